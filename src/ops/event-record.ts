import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { EventRecord, EventWorkflowInput } from '../workflows/event-input';

/** One event workflow as an operator sees it: ids, types, times, outcome; never the event's data. */
export interface EventSummary {
  eventId: string;
  workflowType: string;
  /** Of the latest run: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  executionStatus: string;
  runId: string;
  eventType: string | null;
  createdAt: string | null;
  receivedAt: string | null;
  /** forwarded, ignored_environment, no_resource; null until the run completes. */
  outcome: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/**
 * A completed run answers with its result (an EventRecord: ids and types only). Any other run is
 * read from its start event, of which only the envelope's id, type and times are kept.
 */
export async function eventSummary(client: Client, description: WorkflowExecutionDescription): Promise<EventSummary> {
  const base = {
    eventId: description.workflowId,
    workflowType: description.type,
    executionStatus: description.status.name,
    runId: description.runId,
  };
  const handle = client.workflow.getHandle(description.workflowId, description.runId);
  if (description.status.name === 'COMPLETED') {
    const record = (await handle.result()) as Partial<EventRecord> | undefined;
    return {
      ...base,
      eventType: text(record?.eventType),
      createdAt: text(record?.createdAt),
      receivedAt: text(record?.receivedAt),
      outcome: text(record?.outcome),
    };
  }
  const history = await handle.fetchHistory();
  const started = history.events?.find(
    (event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  );
  const input = await decodeFromPayloadsAtIndex<Partial<EventWorkflowInput> | undefined>(
    client.options.loadedDataConverter,
    0,
    started?.workflowExecutionStartedEventAttributes?.input?.payloads,
  );
  return {
    ...base,
    eventType: text(input?.event?.event_type),
    createdAt: text(input?.event?.created_at),
    receivedAt: text(input?.receivedAt),
    outcome: null,
  };
}

/** describe(), or undefined when Temporal has no workflow with that id. */
export async function describeIfExists(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
