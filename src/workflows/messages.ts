import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AppliedEvent } from '../domain/applied-event';
import type { AuthorizationState, RegisteredDispensation } from '../domain/authorization';

/** An Osigu event handed to its resource's entity (by the event workflow, via signal-with-start). */
export const osiguEventSignal = defineSignal<[AppliedEvent]>('osiguEvent');

/** Every entity answers this with its current state (`temporal workflow query --type state`). */
export const stateQuery = defineQuery<unknown>('state');

export interface DiscrepancyResolution {
  /** e.g. accept (pay the claim as dispensed), reject (dispute it with the sponsor). */
  decision: string;
  /** Who decided: an operator's name or id, never a patient's. */
  by: string;
  note?: string;
}

/** An operator's decision on a dispensation in discrepancy (Web UI: Send a Signal; CLI: npm run ops). */
export const resolveDiscrepancySignal = defineSignal<[DiscrepancyResolution]>('resolveDiscrepancy');

/** From an authorization's entity to its dispensations: what was authorized changed, look again. */
export const authorizationChangedSignal = defineSignal('authorizationChanged');

export interface DispensationRegistration {
  authorization: AuthorizationState | undefined;
  /** The other dispensations completed with this authorization before this one. */
  others: RegisteredDispensation[];
}

/**
 * A completed dispensation registers with its authorization's entity. An update, not a query: the
 * entity records it and answers in one step, so two dispensations racing on one code are seen.
 */
export const registerDispensationUpdate = defineUpdate<DispensationRegistration, [RegisteredDispensation]>('registerDispensation');
