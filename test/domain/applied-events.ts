import type { AppliedEvent } from '../../src/domain/applied-event';
import { FIXTURES_DIR } from '../support/delivery';
import { loadFixture } from '../../simulator/events/fixtures';

/** Ids of the fixture story, written out so that a fixture drifting from the story fails loudly. */
export const AUTHORIZATION_ID = 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N';
export const AUTHORIZATION_CODE = 'AUTH-2026-001234';
export const AUTHORIZATION_REQUEST_ID = 'areq_01JA1Z2Y3X4W5V6T7S8R9Q0P1N';
export const REJECTED_REQUEST_ID = 'areq_01JA1Z2Y3X4W5V6T7S8R9Q0P2P';
export const DISPENSATION_ID = 'dsp_01JC0000000000000000000001';
export const PRESCRIPTION_DISPENSATION_ID = 'dsp_01JC0000000000000000000002';
export const PRESCRIPTION_ID = 'rx_01JE0000000000000000000001';
export const PRESCRIPTION_CODE = 'RX-2026-9182';

export interface FixtureChanges {
  /** A distinct event id: needed whenever one fixture type appears twice in an entity's log. */
  eventId?: string;
  /** The envelope's `created_at`, the instant the fold orders by. */
  createdAt?: string;
  /** Fields merged over the fixture's `data`. */
  data?: Record<string, unknown>;
  /** Fields removed from the fixture's `data` (after merging). */
  omit?: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One of Osigu's fixture files, as an entity keeps it (the shape `handle-event` forwards):
 * read afresh on every call, so no test can alter another's copy.
 */
export function fixtureApplied(eventType: string, changes: FixtureChanges = {}): AppliedEvent {
  const envelope: unknown = loadFixture(eventType, { dir: FIXTURES_DIR }).event;
  if (!isRecord(envelope)) throw new Error(`${eventType}.json is not a JSON object`);
  const { event_id: eventId, event_type: type, created_at: createdAt, data } = envelope;
  if (typeof eventId !== 'string' || type !== eventType || typeof createdAt !== 'string' || !isRecord(data)) {
    throw new Error(`${eventType}.json is not an Osigu envelope of type ${eventType}`);
  }
  const merged: Record<string, unknown> = { ...data, ...changes.data };
  for (const field of changes.omit ?? []) delete merged[field];
  return {
    eventId: changes.eventId ?? eventId,
    eventType,
    createdAt: changes.createdAt ?? createdAt,
    data: merged,
  };
}

/** Every ordering of `items` (n! of them), each a fresh array. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** A readable label for an arrival order, for `it.each` titles. */
export function arrivalOrder(events: readonly AppliedEvent[]): string {
  return events.map((event) => event.eventType.split('.')[1] ?? event.eventType).join(' → ');
}
