// Deliberately free of imports from src/http: workflow code is bundled on its own.

/** The envelope as the receiver accepted it; `data` is opaque here and may hold PHI. */
export interface AcceptedEvent {
  event_id: string;
  event_type: string;
  created_at: string;
  api_version?: string;
  environment?: string;
  data: Record<string, unknown>;
  provider?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface EventWorkflowInput {
  event: AcceptedEvent;
  /** When the receiver verified the delivery (ISO 8601), for latency and clock-skew questions. */
  receivedAt: string;
  /** The Osigu environment the receiver serves; an event from another one is recorded, not acted on. */
  expectedEnvironment?: string;
}

/** What became of an event: acted on, or why not. */
export type EventOutcome = 'forwarded' | 'ignored_environment' | 'no_resource';

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
}
