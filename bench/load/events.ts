/**
 * The events every variant gets: the same templates (Osigu's fixtures), sent in turn, each with a
 * fresh event_id and fresh resource ids, exactly as `npm run osigu -- load` builds them
 * (simulator/commands/load.ts), so a closed-loop step driven by runLoad and a paced step driven
 * here send the same kind of traffic. Few imports (the fixture reader uses only Node): the
 * bare-start child gets the templates from the harness and must stay small.
 */
import { findFixture } from '../../simulator/events/fixtures';

export type EventTemplate = Record<string, unknown> & { event_type: string; data: Record<string, unknown> };

export const DEFAULT_EVENT_TYPES = ['authorization.created', 'dispensing.completed', 'prescription.issued', 'settlement.paid'] as const;

/** Reads `<type>.json` for each type; throws naming the first one missing or malformed. */
export function loadTemplates(eventTypes: readonly string[], fixturesDir: string): EventTemplate[] {
  return eventTypes.map((eventType) => {
    if (!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(eventType)) throw new Error(`not an event type: ${eventType}`);
    const fixture = findFixture(eventType, { dir: fixturesDir });
    if (fixture === undefined) throw new Error(`no fixture for ${eventType} in ${fixturesDir} (OSIGU_FIXTURES_DIR)`);
    const template = fixture.event as Partial<EventTemplate>;
    if (typeof template.data !== 'object' || template.data === null || template.event_type !== eventType) {
      throw new Error(`${fixture.path} is not an ${eventType} event`);
    }
    return template as EventTemplate;
  });
}

// The same fields runLoad refreshes, so per-resource work in the worker is spread the same way.
const RESOURCE_ID_FIELDS = ['authorization_id', 'authorization_request_id', 'dispensation_id', 'prescription_id', 'settlement_id'];

function withFreshResourceIds(data: Record<string, unknown>, suffix: string): Record<string, unknown> {
  const fresh = { ...data };
  for (const field of RESOURCE_ID_FIELDS) {
    const value = fresh[field];
    if (typeof value === 'string' && value.includes('_')) fresh[field] = `${value.slice(0, value.indexOf('_'))}_${suffix}`;
  }
  return fresh;
}

/** A short random tag: one per step, so each step's events are found by their prefix. */
export function newTag(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

export function eventIdPrefix(tag: string): string {
  return `evt_bench_${tag}_`;
}

export interface BenchEvent {
  eventId: string;
  event: EventTemplate & { event_id: string; created_at: string };
}

/** The n-th event (from 1) of the step tagged `tag`. */
export function makeEvent(templates: readonly EventTemplate[], tag: string, n: number): BenchEvent {
  const template = templates[(n - 1) % templates.length] as EventTemplate;
  const eventId = `${eventIdPrefix(tag)}${n}`;
  return {
    eventId,
    event: {
      ...template,
      event_id: eventId,
      created_at: new Date().toISOString(),
      data: withFreshResourceIds(template.data, `bench_${tag}_${n}`),
    },
  };
}
