// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import type { AppliedEvent } from './applied-event';

/**
 * Which fields of an event's `data` an entity keeps: what its decisions read, nothing else.
 * Patient and doctor details, diagnoses and e-mail addresses are never kept, and memory stays
 * small however many events a resource sees. Lists keep only the listed fields of each item.
 */
export interface Projection {
  fields: readonly string[];
  lists?: Readonly<Record<string, readonly string[]>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function project(event: AppliedEvent, projection: Projection): AppliedEvent {
  const data: Record<string, unknown> = {};
  for (const field of projection.fields) {
    const value = event.data[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') data[field] = value;
  }
  for (const [field, keep] of Object.entries(projection.lists ?? {})) {
    const value = event.data[field];
    if (!Array.isArray(value)) continue;
    data[field] = value.filter(isRecord).map((item) => {
      const kept: Record<string, unknown> = {};
      for (const key of keep) {
        const inner = item[key];
        if (typeof inner === 'string' || typeof inner === 'number' || typeof inner === 'boolean') kept[key] = inner;
      }
      return kept;
    });
  }
  return { eventId: event.eventId, eventType: event.eventType, createdAt: event.createdAt, data };
}

/**
 * Drops the events whose every effect a later event of the same type overwrites: the folds set
 * each field from the newest event that carries it, so an event followed (in `created_at` order)
 * by one of its type carrying at least its fields changes nothing any more, whatever arrives
 * later. What stays is what the decisions can still read; the applied ids are kept apart.
 */
export function withoutSuperseded(sorted: readonly AppliedEvent[]): AppliedEvent[] {
  const kept: AppliedEvent[] = [];
  for (let index = 0; index < sorted.length; index += 1) {
    const event = sorted[index]!;
    const fields = Object.keys(event.data);
    const superseded = sorted
      .slice(index + 1)
      .some((later) => later.eventType === event.eventType && fields.every((field) => field in later.data));
    if (!superseded) kept.push(event);
  }
  return kept;
}
