import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { describeIfExists } from './event-record';
import { EVENT_WORKFLOW_TYPES, assertSafeId } from './resources';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;

export class RerunRefusedError extends Error {
  override readonly name = 'RerunRefusedError';
}

export interface RerunResult {
  eventId: string;
  workflowType: string;
  /** The run that was reset (it stays in history, as it was; a running one is terminated). */
  baseRunId: string;
  newRunId: string;
  /** The WorkflowTaskCompleted event the new run starts over from. */
  resetToEventId: number;
  reason: string;
}

/** The id of the first WORKFLOW_TASK_COMPLETED event: `temporal workflow reset --type FirstWorkflowTask`. */
export function firstWorkflowTaskCompletedId(history: History): number | undefined {
  const event = history.events?.find((candidate) => candidate.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  return event?.eventId === undefined || event.eventId === null ? undefined : Number(event.eventId);
}

/** The reason a run was reset with, as its history records it; undefined for a run that is no reset. */
export function resetReasonOf(history: History): string | undefined {
  const marker = history.events?.find(
    (event) =>
      event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
      event.workflowTaskFailedEventAttributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
  );
  return marker?.workflowTaskFailedEventAttributes?.failure?.message ?? undefined;
}

/**
 * Runs an event's workflow again, from its first workflow task: a reset of its latest run, with the
 * operator's reason recorded in the new run's history. This is the only way an event is processed
 * again: a redelivery from Osigu never is (the receiver answers it as a duplicate). The entity the
 * event is forwarded to keeps its events by id, so a re-run re-sends the same event and the entity
 * ignores it; what a re-run redoes is the event workflow's own work (after a fix, say).
 */
/**
 * `by` (who asked) is recorded in the reason, as a bulk re-run records it, and as the reset's
 * identity: the history's own identity for a reset is the server's (`history-service`).
 */
export async function rerunEvent(client: Client, eventId: string, reason: string, { by }: { by?: string } = {}): Promise<RerunResult> {
  assertSafeId(eventId, 'event id');
  const given = reason.trim();
  if (given.length === 0) throw new RerunRefusedError('a reason is required: it is recorded in the new run');
  const why = by === undefined ? given : `${given} (by ${by})`;
  const description = await describeIfExists(client, eventId);
  if (description === undefined) throw new RerunRefusedError(`${eventId}: no such workflow`);
  if (!EVENT_WORKFLOW_TYPES.has(description.type)) {
    throw new RerunRefusedError(`${eventId} is a ${description.type}, not an event workflow: only events are re-run`);
  }
  const baseRunId = description.runId;
  const history = await client.workflow.getHandle(eventId, baseRunId).fetchHistory();
  const resetToEventId = firstWorkflowTaskCompletedId(history);
  if (resetToEventId === undefined)
    throw new RerunRefusedError(`${eventId}: run ${baseRunId} has no completed workflow task to reset to yet`);

  const response = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: eventId, runId: baseRunId },
    reason: why,
    workflowTaskFinishEventId: Long.fromNumber(resetToEventId),
    requestId: randomUUID(),
    ...(by === undefined ? {} : { identity: `ops:${by}` }),
  });
  return { eventId, workflowType: description.type, baseRunId, newRunId: response.runId, resetToEventId, reason: why };
}
