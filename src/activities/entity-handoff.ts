import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type UpdateDefinition,
} from '@temporalio/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { EntitySettings } from '../domain/settings';
import { EVENT_FAMILIES, entityWorkflowId, type FamilyName } from '../osigu/families';
import { HANDOFF_REJECTED } from '../temporal/failure-types';
import { OSIGU_EVENT_FAMILY, OSIGU_RESOURCE_ID } from '../temporal/search-attributes';

export interface HandoffTarget {
  client: Client;
  taskQueue: string;
  settings: EntitySettings;
}

// What Temporal answers for a request that will never succeed as sent (an id too long, say).
// FAILED_PRECONDITION is not among them: Temporal answers it when the entity's workflow task
// failed while the Update waited, which is routine when the entity continues as new as events
// arrive (the server refuses that completion and the task runs again). Retrying lands on the
// new run; the hand-off's own deadline still parks an event that never gets through.
const REFUSED = new Set<number>([GrpcStatus.INVALID_ARGUMENT, GrpcStatus.PERMISSION_DENIED]);

/**
 * Sends an Update to a resource's entity, starting the entity if it is not running. An entity
 * that has ended is continued, not forgotten: the closed run's result holds its compact memory,
 * and the new run starts from it, so notification ids, late cancellations and earlier
 * dispensations behave as if it had never ended. (The start refuses a closed id first:
 * REJECT_DUPLICATE; the memory is read; the start is sent again with ALLOW_DUPLICATE, which
 * attaches to a run another hand-off started meanwhile: USE_EXISTING.)
 */
export async function updateEntity<Ret, Args extends unknown[]>(
  { client, taskQueue, settings }: HandoffTarget,
  family: FamilyName,
  resourceId: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  updateId?: string,
): Promise<Ret> {
  const definition = EVENT_FAMILIES[family];
  const workflowId = entityWorkflowId(definition, resourceId);
  const send = (reuse: WorkflowIdReusePolicy, carried: { memory?: unknown; flags?: string[] }): Promise<Ret> =>
    client.workflow.executeUpdateWithStart(update, {
      args,
      ...(updateId === undefined ? {} : { updateId }),
      startWorkflowOperation: new WithStartWorkflowOperation(definition.entityWorkflowType, {
        workflowId,
        taskQueue,
        args: [{ resourceId, settings, ...carried }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: reuse,
        // The Web UI's one-line title: the kind and the PHI-safe resource key, nothing else.
        staticSummary: `${definition.entityPrefix} ${resourceId}`,
        typedSearchAttributes: [
          { key: OSIGU_EVENT_FAMILY, value: definition.name },
          { key: OSIGU_RESOURCE_ID, value: resourceId },
        ],
      }),
    });

  // The activity's cancellation (its worker draining, a timeout) ends the calls below: an Update
  // waits for the entity to answer, which a draining worker's entities no longer do, and the
  // client would otherwise keep polling for the answer and hold the worker's shutdown forever.
  const cancellation = activityCancellation();
  if (cancellation === undefined) return handOff(workflowId, send, client);
  return client.withAbortSignal(cancellation, () => handOff(workflowId, send, client));
}

/** The running activity's cancellation signal; undefined when called outside an activity (a test, a script). */
function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

async function handOff<Ret>(
  workflowId: string,
  send: (reuse: WorkflowIdReusePolicy, carried: { memory?: unknown; flags?: string[] }) => Promise<Ret>,
  client: Client,
): Promise<Ret> {
  try {
    try {
      return await send(WorkflowIdReusePolicy.REJECT_DUPLICATE, {});
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    // A closed run holds this id: continue its memory.
    const handle = client.workflow.getHandle(workflowId);
    let carried: { memory?: unknown; flags?: string[] } = {};
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') {
      try {
        const result = (await handle.result()) as { memory?: unknown };
        carried = result.memory === undefined ? { flags: ['memory_not_carried'] } : { memory: result.memory };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw error;
        // Failed or terminated (never by our code): the next run starts afresh, and says so.
        carried = { flags: ['memory_not_carried'] };
      }
    }
    return await send(WorkflowIdReusePolicy.ALLOW_DUPLICATE, carried);
  } catch (error) {
    throw refusedForGood(error) ?? error;
  }
}

/** A request Temporal refuses as sent, as a non-retryable failure that names only the status. */
export function refusedForGood(error: unknown): ApplicationFailure | undefined {
  const cause = (error as { cause?: unknown }).cause;
  for (const candidate of [error, cause]) {
    if (isGrpcServiceError(candidate) && REFUSED.has(candidate.code)) {
      return ApplicationFailure.nonRetryable(`Temporal refused the hand-off (gRPC status ${candidate.code})`, HANDOFF_REJECTED);
    }
  }
  return undefined;
}
