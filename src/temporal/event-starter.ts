import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { OsiguEvent } from '../osigu/envelope';
import type { EventWorkflowInput } from '../workflows/event-input';
import type { EventRoute } from './routing';
import { OSIGU_ENVIRONMENT, OSIGU_EVENT_FAMILY, OSIGU_EVENT_TYPE, OSIGU_RESOURCE_ID } from './search-attributes';

export type StartOutcome = { duplicate: false; runId: string } | { duplicate: true };

/** Starts the one workflow an event becomes; throws when Temporal did not acknowledge in time. */
export type EventStarter = (event: OsiguEvent, route: EventRoute, receivedAt: Date) => Promise<StartOutcome>;

export interface EventStarterOptions {
  client: Client;
  taskQueue: string;
  /** Deadline for the whole start call, retries included. */
  timeoutMs: number;
  /** The Osigu environment this receiver serves; the workflow ignores events from the other. */
  expectedEnvironment: string;
}

export function createEventStarter({ client, taskQueue, timeoutMs, expectedEnvironment }: EventStarterOptions): EventStarter {
  return async (event, route, receivedAt) => {
    const input: EventWorkflowInput = { event, receivedAt: receivedAt.toISOString(), expectedEnvironment };
    try {
      const handle = await client.withDeadline(Date.now() + timeoutMs, () =>
        client.workflow.start(route.workflowType, {
          taskQueue,
          args: [input],
          workflowId: event.event_id,
          // The event id *is* the dedupe key, so no delivery may ever make a second run:
          // - REJECT_DUPLICATE: once a run exists (finished, failed or terminated), a redelivery is
          //   refused for as long as the namespace retains it (7 days, past Osigu's 72 h of retries).
          //   ALLOW_DUPLICATE_FAILED_ONLY would re-run a failed event on redelivery, which belongs to
          //   an operator's deliberate reset, not to Osigu's retry timer.
          // - FAIL while running: USE_EXISTING would hide whether we started it; FAIL tells us, and
          //   both ways the delivery is acknowledged as a duplicate.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          typedSearchAttributes: [
            { key: OSIGU_EVENT_TYPE, value: event.event_type },
            { key: OSIGU_EVENT_FAMILY, value: route.family },
            ...(route.resourceId === undefined ? [] : [{ key: OSIGU_RESOURCE_ID, value: route.resourceId }]),
            ...(event.environment === undefined ? [] : [{ key: OSIGU_ENVIRONMENT, value: event.environment }]),
          ],
        }),
      );
      return { duplicate: false, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { duplicate: true };
      throw error;
    }
  };
}
