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
}

/** What an event workflow leaves as its result: ids and types only, never PHI. */
export interface EventRecord {
  eventId: string;
  eventType: string;
  family: string;
  /** null where the family has no resource id (unknown types, or a field Osigu left out). */
  resourceId: string | null;
  createdAt: string;
  receivedAt: string;
}
