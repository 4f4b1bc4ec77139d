// Type-only: what each entity's `state` query (and its result) shows.
import type { AuthorizationState, RegisteredDispensation } from '../domain/authorization';
import type { AuthorizationSource, RecordedResolution } from '../domain/dispensation-decision';
import type { DispensationState } from '../domain/dispensation';
import type { LookupFailure } from '../domain/entity-decision';
import type { NotificationRecord } from '../domain/notification';
import type { PrescriptionState } from '../domain/prescription';
import type { Reconciliation } from '../domain/reconciliation';
import type { SettlementClaim, SettlementState } from '../domain/settlement';

/** What every entity's view has. */
export interface CommonView {
  flags: string[];
  notifications: readonly NotificationRecord[];
  eventIds: string[];
  /** Events the entity could not apply (parked; `ops retry` re-drives them). */
  poisoned: { eventId: string; eventType: string }[];
  /** Re-runs (ops rerun) of events already applied: counted, never applied twice. */
  reruns: { ignored: number; lastEventId: string | undefined };
}

export interface AuthorizationView extends CommonView {
  authorization: AuthorizationState;
  dispensations: RegisteredDispensation[];
}

export interface DispensationView extends CommonView {
  dispensation: DispensationState;
  reconciliation: Reconciliation | undefined;
  authorizationSource: AuthorizationSource | undefined;
  resolution: RecordedResolution | undefined;
  previousResolution: RecordedResolution | undefined;
  escalations: number;
  lookupFailure: LookupFailure | undefined;
}

export interface PrescriptionView extends CommonView {
  prescription: PrescriptionState;
}

export interface SettlementView extends CommonView {
  settlement: SettlementState;
  rejectedClaims: SettlementClaim[];
}
