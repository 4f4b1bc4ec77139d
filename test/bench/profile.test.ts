import { temporal } from '@temporalio/proto';
import { formatProfile, historyProfile } from '../../bench/cost/profile';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const of = (eventType: number, markerName?: string): HistoryEvent => ({
  eventType,
  ...(markerName === undefined ? {} : { markerRecordedEventAttributes: { markerName } }),
});
const task = [
  of(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
  of(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
  of(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
];
const eventWorkflow = (eventId: string) => ({
  eventId,
  eventType: 'settlement.paid',
  events: [
    of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    ...task,
    of(EventType.EVENT_TYPE_MARKER_RECORDED, 'core_local_activity'),
    of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
  ],
});

it('gives each history event type its share per delivered event, markers by name, largest first', () => {
  const entity = {
    workflowId: 'settlement:stl_1',
    handOffs: new Map<number, string>(),
    events: [
      of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      ...task,
      of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      ...task,
    ],
  };
  const profile = historyProfile([eventWorkflow('e1'), eventWorkflow('e2')], [entity]);
  expect(profile.eventWorkflows).toContainEqual({ type: 'MARKER core_local_activity', perEvent: 1 });
  expect(profile.entities.slice(0, 2)).toEqual([
    { type: 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED', perEvent: 1 },
    { type: 'WORKFLOW_TASK_COMPLETED', perEvent: 1 },
  ]);
  expect(profile.entities).toContainEqual({ type: 'WORKFLOW_EXECUTION_STARTED', perEvent: 0.5 });
  expect(formatProfile(profile)).toContain('entities: 4.50 history events per event');
});
