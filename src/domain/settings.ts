/**
 * Durations the entity workflows wait on; set on the worker. Every hand-off carries the handing
 * worker's current settings, and a running entity adopts them, so a change reaches live entities.
 */
export interface EntitySettings {
  /** A dispensation STARTED this long without an outcome: ask Osigu's API. */
  dispensationStaleAfterMs: number;
  /** An open discrepancy nobody resolved in this long: notify again. */
  discrepancyEscalateAfterMs: number;
  /** How many times to escalate before waiting silently. */
  discrepancyMaxEscalations: number;
  /** An issued prescription with no e-mail outcome in this long is flagged. */
  prescriptionOutcomeTimeoutMs: number;
  /** A resource that is final and has heard nothing for this long ends its workflow. */
  quietPeriodMs: number;
  /** History events after which an entity continues as new, keeping replays short. */
  maxHistoryEvents: number;
  /** A lookup (Osigu's API, another entity) that failed for good is tried again after this long. */
  lookupRetryAfterMs: number;
}

export const DEFAULT_ENTITY_SETTINGS: EntitySettings = {
  dispensationStaleAfterMs: 2 * 60 * 60 * 1000,
  discrepancyEscalateAfterMs: 24 * 60 * 60 * 1000,
  discrepancyMaxEscalations: 3,
  prescriptionOutcomeTimeoutMs: 60 * 60 * 1000,
  quietPeriodMs: 30 * 24 * 60 * 60 * 1000,
  maxHistoryEvents: 2_000,
  lookupRetryAfterMs: 60 * 60 * 1000,
};
