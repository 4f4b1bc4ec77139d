import { temporal } from '@temporalio/proto';
import Long from 'long';
import { formatAmount, formatDiscrepancies, table } from '../../src/ops/format';
import { firstWorkflowTaskCompletedId, resetReasonOf } from '../../src/ops/rerun';
import { byCreatedAt } from '../../src/ops/timeline';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

it('lays out columns two spaces apart', () => {
  expect(
    table(
      ['A', 'LONGER'],
      [
        ['xyz', '1'],
        ['', '22'],
      ],
    ),
  ).toBe('A    LONGER\nxyz  1\n     22');
});

it('formats amounts with their currency', () => {
  expect(formatAmount(375, 'GTQ')).toBe('375.00 GTQ');
  expect(formatAmount(null, 'GTQ')).toBe('-');
});

it('says when nothing is open', () => {
  expect(formatDiscrepancies({ open: [], noLongerOpen: [], unavailable: [] })).toBe('No open discrepancies.');
});

it('never says "none" when some entities could not be read', () => {
  const text = formatDiscrepancies({
    open: [],
    noLongerOpen: [],
    unavailable: [{ workflowId: 'dispensation:dsp_1', reason: 'state query failed' }],
  });
  expect(text).not.toContain('No open discrepancies.');
  expect(text).toContain('INCOMPLETE: 1 flagged entity could not be read');
});

it('orders events by created_at, then id, and unknown times last', () => {
  const events = [
    { eventId: 'c', createdAt: null },
    { eventId: 'b', createdAt: '2026-11-25T15:00:00Z' },
    { eventId: 'a', createdAt: '2026-11-25T15:00:00.000Z' },
    { eventId: 'd', createdAt: '2026-11-25T14:00:00Z' },
  ];
  expect([...events].sort(byCreatedAt).map((event) => event.eventId)).toEqual(['d', 'a', 'b', 'c']);
});

describe('history helpers', () => {
  const history = {
    events: [
      { eventId: Long.fromNumber(1), eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
      { eventId: Long.fromNumber(2), eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
      { eventId: Long.fromNumber(3), eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED },
      {
        eventId: Long.fromNumber(4),
        eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        workflowTaskFailedEventAttributes: {
          cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
          failure: { message: 'after the fix' },
        },
      },
      { eventId: Long.fromNumber(5), eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
      { eventId: Long.fromNumber(6), eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED },
      { eventId: Long.fromNumber(7), eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED },
      { eventId: Long.fromNumber(12), eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED },
    ],
  };

  it('finds the first completed workflow task', () => {
    expect(firstWorkflowTaskCompletedId(history)).toBe(7);
    expect(firstWorkflowTaskCompletedId({ events: history.events.slice(0, 3) })).toBeUndefined();
  });

  it("reads a reset run's reason, and none from a run that is no reset", () => {
    expect(resetReasonOf(history)).toBe('after the fix');
    expect(resetReasonOf({ events: history.events.slice(0, 3) })).toBeUndefined();
  });
});
