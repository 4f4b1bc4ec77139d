import { temporal } from '@temporalio/proto';
import Long from 'long';
import { firstTaskWaits } from '../../bench/cost/waits';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const at = (ms: number) => ({ seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const event = (eventType: number, ms: number): HistoryEvent => ({ eventType, eventTime: at(ms) });

/** An event workflow whose first task waited `wait` ms; a later task's wait must not count. */
const history = (eventId: string, wait: number): { eventId: string; eventType: string; events: HistoryEvent[] } => ({
  eventId,
  eventType: 'settlement.paid',
  events: [
    event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 1_000),
    event(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 1_000),
    event(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1_000 + wait),
    event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1_010 + wait),
    event(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 5_000),
    event(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 9_000),
  ],
});

it("measures each event workflow's first task from scheduled to started, nearest-rank percentiles", () => {
  const waits = firstTaskWaits([history('e1', 4), history('e2', 12), history('e3', 250), history('e4', 7)]);
  expect(waits).toMatchObject({ count: 4, p50: 7, p90: 250, max: 250 });
});

it('skips a history whose first task has not started yet', () => {
  const pending = { ...history('e1', 5), events: history('e1', 5).events.slice(0, 2) };
  expect(firstTaskWaits([pending, history('e2', 30)])).toMatchObject({ count: 1, p50: 30, max: 30 });
});
