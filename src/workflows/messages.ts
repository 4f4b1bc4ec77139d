import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AppliedEvent } from '../domain/applied-event';
import type { RegisteredDispensation } from '../domain/authorization';
import type { AuthorizationAnswer } from '../domain/authorization-decision';
import type { DiscrepancyResolution } from '../domain/dispensation-decision';
import type { EntitySettings } from '../domain/settings';
import type { AuthorizationView, DispensationView, PrescriptionView, SettlementView } from './views';

export type { DiscrepancyResolution } from '../domain/dispensation-decision';

/** What an entity did with an event handed to it. */
export interface ApplyEventResult {
  /** applied: new and folded in; duplicate: this event id was already applied; apply_failed: parked. */
  outcome: 'applied' | 'duplicate' | 'apply_failed';
  entityWorkflowId: string;
}

/**
 * An Osigu event handed to its resource's entity (by the event workflow's activity, as an
 * Update-with-start whose id is the event id), with the handing worker's current settings.
 */
export const applyEventUpdate = defineUpdate<ApplyEventResult, [AppliedEvent, EntitySettings?]>('applyEvent');

/** The same, fire-and-forget: for hand tools (`temporal workflow signal --name osiguEvent`). */
export const osiguEventSignal = defineSignal<[AppliedEvent, EntitySettings?]>('osiguEvent');

/** Every entity answers `state` with its view (`temporal workflow query --type state`). */
export const authorizationStateQuery = defineQuery<AuthorizationView>('state');
export const dispensationStateQuery = defineQuery<DispensationView>('state');
export const prescriptionStateQuery = defineQuery<PrescriptionView>('state');
export const settlementStateQuery = defineQuery<SettlementView>('state');
export type EntityView = AuthorizationView | DispensationView | PrescriptionView | SettlementView;
/** For tools that do not know the kind in advance (ops): the union of the four views. */
export const stateQuery = defineQuery<EntityView>('state');

/**
 * An operator's decision on a dispensation in discrepancy (Web UI / CLI: Update `resolveDiscrepancy`;
 * npm run ops -- resolve). Rejected by its validator, with the reason, when nothing is open, when
 * the decision is not one of accept/reject, or when `by` is missing. Answers the resulting state.
 */
export const resolveDiscrepancyUpdate = defineUpdate<DispensationView, [DiscrepancyResolution]>('resolveDiscrepancy');

/** An operator asks a dispensation to run a lookup that failed for good again now. */
export const retryLookupsSignal = defineSignal('retryLookups');

/** From an authorization's entity to its dispensations: what they are reconciled against changed. */
export const authorizationChangedSignal = defineSignal<[AuthorizationAnswer]>('authorizationChanged');

/**
 * A completed dispensation registers with its authorization's entity. An update, not a query: the
 * entity records it and answers in one step, with everything it has applied so far.
 */
export const registerDispensationUpdate = defineUpdate<AuthorizationAnswer, [RegisteredDispensation]>('registerDispensation');
