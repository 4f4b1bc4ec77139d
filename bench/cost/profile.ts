// Where the history events come from: each history event type's share per delivered event, for the
// event workflows and for the entities, largest first. The cost table says how much; this says
// which commands to look at to make it less. Pure.
import { temporal } from '@temporalio/proto';
import type { EntityHistory, EventHistory } from './attribute';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ProfileRow {
  /** The history event type without its EVENT_TYPE_ prefix; a marker by its name (MARKER core_local_activity). */
  type: string;
  perEvent: number;
}

export interface HistoryProfile {
  eventWorkflows: ProfileRow[];
  entities: ProfileRow[];
}

function typeName(event: HistoryEvent): string {
  const name = (EventType[event.eventType ?? 0] ?? `TYPE_${String(event.eventType)}`).replace(/^EVENT_TYPE_/, '');
  const marker = event.markerRecordedEventAttributes?.markerName;
  return marker ? `MARKER ${marker}` : name;
}

function rows(histories: readonly { events: readonly HistoryEvent[] }[], deliveredEvents: number): ProfileRow[] {
  const counts = new Map<string, number>();
  for (const history of histories)
    for (const event of history.events) {
      const type = typeName(event);
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  return [...counts]
    .map(([type, count]) => ({ type, perEvent: deliveredEvents === 0 ? 0 : count / deliveredEvents }))
    .sort((a, b) => b.perEvent - a.perEvent || a.type.localeCompare(b.type));
}

/** Every history read, per delivered event (the number of event workflows). */
export function historyProfile(events: readonly EventHistory[], entities: readonly EntityHistory[]): HistoryProfile {
  return { eventWorkflows: rows(events, events.length), entities: rows(entities, events.length) };
}

export function formatProfile(profile: HistoryProfile): string {
  const part = (title: string, list: ProfileRow[]): string[] => [
    `${title}: ${list.reduce((sum, row) => sum + row.perEvent, 0).toFixed(2)} history events per event`,
    ...list.map((row) => `  ${row.perEvent.toFixed(2).padStart(6)}  ${row.type}`),
  ];
  return [...part('event workflows', profile.eventWorkflows), ...part('entities', profile.entities)].join('\n');
}
