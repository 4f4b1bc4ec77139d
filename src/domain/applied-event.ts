// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.

/** An event as an entity keeps it: enough to fold its state again in `created_at` order. */
export interface AppliedEvent {
  eventId: string;
  eventType: string;
  createdAt: string;
  data: Record<string, unknown>;
  /** Handed again by a re-run of its event workflow (ops rerun): recorded, never applied twice. */
  rerun?: boolean;
}

/** Osigu's order is best-effort: sort by `created_at`, ties broken by id so every replay agrees. */
export function byCreatedAt(a: AppliedEvent, b: AppliedEvent): number {
  const difference = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (difference !== 0) return difference;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export function text(data: Record<string, unknown>, field: string): string | undefined {
  const value = data[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function amount(data: Record<string, unknown>, field: string): number | undefined {
  const value = data[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function records(data: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = data[field];
  return Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item))
    : [];
}
