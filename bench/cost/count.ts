// Temporal work counted from histories: units that do not drift from machine to machine, and what a
// Temporal Cloud bill (actions) and a self-hosted cluster's size follow. Pure: histories in, counts out.
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface WorkCounts {
  historyEvents: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
  timers: number;
  searchAttributeWrites: number;
  /**
   * Billable actions as Temporal Cloud counts them (its "Actions" page): a run started (a start,
   * signal-with-start's start, continue-as-new), a signal received, an Update accepted, a timer
   * started, an activity attempt started, a local activity, a search-attribute upsert, a signal
   * or cancel sent to another workflow, a child started. Queries are actions too but leave no
   * history, so they are not counted here.
   */
  actions: number;
}

export const ZERO: WorkCounts = {
  historyEvents: 0,
  workflowTasks: 0,
  activityTasks: 0,
  localActivities: 0,
  timers: 0,
  searchAttributeWrites: 0,
  actions: 0,
};

export function add(a: WorkCounts, b: WorkCounts): WorkCounts {
  return {
    historyEvents: a.historyEvents + b.historyEvents,
    workflowTasks: a.workflowTasks + b.workflowTasks,
    activityTasks: a.activityTasks + b.activityTasks,
    localActivities: a.localActivities + b.localActivities,
    timers: a.timers + b.timers,
    searchAttributeWrites: a.searchAttributeWrites + b.searchAttributeWrites,
    actions: a.actions + b.actions,
  };
}

export function scale(counts: WorkCounts, by: number): WorkCounts {
  const per = (value: number): number => (by === 0 ? 0 : value / by);
  return {
    historyEvents: per(counts.historyEvents),
    workflowTasks: per(counts.workflowTasks),
    activityTasks: per(counts.activityTasks),
    localActivities: per(counts.localActivities),
    timers: per(counts.timers),
    searchAttributeWrites: per(counts.searchAttributeWrites),
    actions: per(counts.actions),
  };
}

const ACTION_EVENTS = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
]);

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** One history event's share of the work. */
export function countEvent(event: HistoryEvent): WorkCounts {
  const type = event.eventType ?? 0;
  const localActivity =
    type === EventType.EVENT_TYPE_MARKER_RECORDED && event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER ? 1 : 0;
  return {
    historyEvents: 1,
    workflowTasks: type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ? 1 : 0,
    activityTasks: type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED ? 1 : 0,
    localActivities: localActivity,
    timers: type === EventType.EVENT_TYPE_TIMER_STARTED ? 1 : 0,
    searchAttributeWrites: type === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ? 1 : 0,
    actions: (ACTION_EVENTS.has(type) ? 1 : 0) + localActivity,
  };
}

export function countHistory(events: readonly HistoryEvent[]): WorkCounts {
  return events.reduce((total, event) => add(total, countEvent(event)), ZERO);
}
