// Which event caused which work. An event workflow's history is its event's alone. An entity's
// history is shared by its resource's events: it is cut at each event handed to it (the osiguEvent
// signal or the applyEvent Update, whose id is the event id), and everything up to the next one
// (its workflow tasks, timers, lookups, notifications, search-attribute writes) is that event's.
// The work before the first hand-off (the start) goes to the first event. Pure.
import { temporal } from '@temporalio/proto';
import { add, countEvent, scale, ZERO, type WorkCounts } from './count';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface EventHistory {
  eventId: string;
  eventType: string;
  events: readonly HistoryEvent[];
}

export interface EntityHistory {
  workflowId: string;
  events: readonly HistoryEvent[];
  /** The event id each hand-off carried, in history order (decoded by the caller for signals). */
  handOffs: ReadonlyMap<number, string>;
}

/** History event ids of the hand-offs in an entity history, with the Osigu event id when the Update id gives it. */
export function handOffEvents(events: readonly HistoryEvent[]): { historyEventId: number; updateId?: string; signal?: HistoryEvent }[] {
  const found: { historyEventId: number; updateId?: string; signal?: HistoryEvent }[] = [];
  for (const event of events) {
    const id = Number(event.eventId ?? 0);
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      if (request?.input?.name === 'applyEvent') found.push({ historyEventId: id, updateId: request.meta?.updateId ?? '' });
    } else if (
      event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
      event.workflowExecutionSignaledEventAttributes?.signalName === 'osiguEvent'
    ) {
      found.push({ historyEventId: id, signal: event });
    }
  }
  return found;
}

export interface CostReport {
  /** Per Osigu event type: work per delivered event of that type. */
  perType: Record<string, { events: number; eventWorkflow: WorkCounts; entity: WorkCounts; total: WorkCounts }>;
  /** The whole mix, per delivered event. */
  mix: { events: number; eventWorkflow: WorkCounts; entity: WorkCounts; total: WorkCounts };
  /** Entity work that no hand-off in the measured set explains (other events' resources, timers long after). */
  unattributedEntityWork: WorkCounts;
}

export function attribute(eventHistories: readonly EventHistory[], entities: readonly EntityHistory[]): CostReport {
  const typeOf = new Map(eventHistories.map((history) => [history.eventId, history.eventType]));
  const eventWork = new Map<string, WorkCounts>();
  const entityWork = new Map<string, WorkCounts>();
  for (const history of eventHistories) {
    eventWork.set(
      history.eventType,
      add(
        eventWork.get(history.eventType) ?? ZERO,
        history.events.reduce((sum, event) => add(sum, countEvent(event)), ZERO),
      ),
    );
  }
  let unattributed = ZERO;
  for (const entity of entities) {
    let current: string | undefined;
    let pending = ZERO;
    for (const event of entity.events) {
      const handedOff = entity.handOffs.get(Number(event.eventId ?? 0));
      if (handedOff !== undefined) current = typeOf.get(handedOff) ?? `unknown:${handedOff}`;
      const work = countEvent(event);
      if (current === undefined) {
        pending = add(pending, work);
        continue;
      }
      if (pending !== ZERO) {
        entityWork.set(current, add(entityWork.get(current) ?? ZERO, pending));
        pending = ZERO;
      }
      entityWork.set(current, add(entityWork.get(current) ?? ZERO, work));
    }
    unattributed = add(unattributed, pending);
  }
  for (const key of [...entityWork.keys()]) {
    if (key.startsWith('unknown:')) {
      unattributed = add(unattributed, entityWork.get(key) ?? ZERO);
      entityWork.delete(key);
    }
  }

  const counts = new Map<string, number>();
  for (const history of eventHistories) counts.set(history.eventType, (counts.get(history.eventType) ?? 0) + 1);
  const perType: CostReport['perType'] = {};
  let eventTotal = ZERO;
  let entityTotal = ZERO;
  for (const [type, events] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ownWork = eventWork.get(type) ?? ZERO;
    const entityShare = entityWork.get(type) ?? ZERO;
    eventTotal = add(eventTotal, ownWork);
    entityTotal = add(entityTotal, entityShare);
    perType[type] = {
      events,
      eventWorkflow: scale(ownWork, events),
      entity: scale(entityShare, events),
      total: scale(add(ownWork, entityShare), events),
    };
  }
  const events = eventHistories.length;
  return {
    perType,
    mix: {
      events,
      eventWorkflow: scale(eventTotal, events),
      entity: scale(entityTotal, events),
      total: scale(add(eventTotal, entityTotal), events),
    },
    unattributedEntityWork: unattributed,
  };
}
