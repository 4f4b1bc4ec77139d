/**
 * An event ready for the wire: the exact bytes to send and the two fields the report needs. Bytes
 * are fixed here, once, so every attempt and every duplicate sends (and signs) the same thing.
 */
export interface OutgoingEvent {
  eventId: string;
  eventType: string;
  body: Uint8Array;
}

/** A generated or edited event: serialised exactly once. */
export function fromEvent(event: { event_id: string; event_type: string }): OutgoingEvent {
  return { eventId: event.event_id, eventType: event.event_type, body: Buffer.from(JSON.stringify(event), 'utf8') };
}

/**
 * Bytes from a file go out untouched, even when they are not a valid event: sending a broken body
 * is a legitimate way to test a receiver. The label stands in for the id when there is none.
 */
export function fromBytes(body: Uint8Array, label: string): OutgoingEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  return {
    eventId: typeof fields.event_id === 'string' ? fields.event_id : label,
    eventType: typeof fields.event_type === 'string' ? fields.event_type : 'unknown',
    body,
  };
}
