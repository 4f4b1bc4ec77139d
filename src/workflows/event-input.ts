// Type-only: erased before bundling, so workflow code still pulls in nothing from src/http.
import type { OsiguEvent } from '../osigu/envelope';

/** The envelope as the receiver accepted it; `data` is opaque here and may hold PHI. */
export type AcceptedEvent = OsiguEvent;

export interface EventWorkflowInput {
  event: AcceptedEvent;
  /** When the receiver verified the delivery (ISO 8601), for latency and clock-skew questions. */
  receivedAt: string;
  /** The Osigu environment the receiver serves; an event from another one is recorded, not acted on. */
  expectedEnvironment?: string;
  /**
   * The resource's PHI-safe key, computed by the receiver (src/osigu/ids.ts): the raw id when it
   * matches the id grammar, else its keyed hash. Use it, never the raw id, for entity workflow
   * ids, search attributes and logs.
   */
  resourceKey?: string;
  /** Which ids were replaced by keyed hashes ('event_id_hashed', 'resource_id_hashed'); recorded on the result. */
  flags?: string[];
}

/** What became of an event: acted on, or why not. */
export type EventOutcome = 'forwarded' | 'ignored_environment' | 'no_resource' | 'parked';

/** Why an event was parked: it could not be handed to its entity, or the entity could not apply it. */
export type ParkedReason = 'handoff_failed' | 'apply_failed';

/** What an event workflow leaves as its result: ids and types only, never PHI. */
export interface EventRecord {
  eventId: string;
  eventType: string;
  family: string;
  /** null where the family has no resource id (unknown types, or a field Osigu left out). */
  resourceId: string | null;
  createdAt: string;
  receivedAt: string;
  outcome: EventOutcome;
  /** The entity workflow the event was handed to. */
  entityWorkflowId?: string;
  /** For a forwarded event: whether the entity applied it now, or had applied it before. */
  entityOutcome?: 'applied' | 'duplicate';
  parkedReason?: ParkedReason;
  /** The receiver's flags (input `flags`), the parked reason, and `rerun`. */
  flags?: string[];
  /** This run is a re-run (a reset) of the event's workflow, not its first run. */
  rerun?: boolean;
}
