import { temporal } from '@temporalio/proto';
import Long from 'long';
import { attribute, handOffEvents } from '../../bench/cost/attribute';
import { countHistory } from '../../bench/cost/count';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let id = 0;
const event = (eventType: number, attributes: Partial<HistoryEvent> = {}): HistoryEvent => ({
  eventId: Long.fromNumber((id += 1)),
  eventType,
  ...attributes,
});
const task = (): HistoryEvent[] => [
  event(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
  event(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
  event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
];
const applyEvent = (eventId: string): HistoryEvent =>
  event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, {
    workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { meta: { updateId: eventId }, input: { name: 'applyEvent' } } },
  });

it('counts workflow tasks, activity tasks, timers, search-attribute writes and billable actions', () => {
  const history = [
    event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    ...task(),
    event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    event(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED),
    event(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
    ...task(),
    event(EventType.EVENT_TYPE_TIMER_STARTED),
    event(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
    event(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_local_activity' } }),
    event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
  ];
  expect(countHistory(history)).toEqual({
    historyEvents: 14,
    workflowTasks: 2,
    activityTasks: 1,
    localActivities: 1,
    timers: 1,
    searchAttributeWrites: 1,
    actions: 5,
  });
});

it("cuts an entity's history at each hand-off and gives the start to the first event", () => {
  const eventWorkflow = (eventId: string, eventType: string) => ({
    eventId,
    eventType,
    events: [event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), ...task(), event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)],
  });
  const entity = [
    event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    applyEvent('e1'),
    ...task(),
    event(EventType.EVENT_TYPE_TIMER_STARTED),
    applyEvent('e2'),
    ...task(),
  ];
  const handOffs = new Map(handOffEvents(entity).map((found) => [found.historyEventId, found.updateId ?? '']));
  const report = attribute(
    [eventWorkflow('e1', 'authorization.created'), eventWorkflow('e2', 'authorization.updated')],
    [{ workflowId: 'authorization:auth_1', events: entity, handOffs }],
  );
  expect(report.perType['authorization.created']?.entity).toMatchObject({ historyEvents: 6, workflowTasks: 1, timers: 1, actions: 3 });
  expect(report.perType['authorization.updated']?.entity).toMatchObject({ historyEvents: 4, workflowTasks: 1, actions: 1 });
  expect(report.mix.events).toBe(2);
  expect(report.mix.total.historyEvents).toBe((6 + 4 + 5 + 5) / 2);
  expect(report.unattributedEntityWork.historyEvents).toBe(0);
});
