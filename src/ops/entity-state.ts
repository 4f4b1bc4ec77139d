import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { stateQuery } from '../workflows/messages';

/** How long a state query may take: a query needs a worker, and none may be polling. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

export class EntityUnavailableError extends Error {
  override readonly name = 'EntityUnavailableError';
  constructor(
    readonly workflowId: string,
    cause: unknown,
  ) {
    super(`${workflowId}: state query failed (is a worker running?): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * The entity's `state` query answer (of its latest run, running or closed), or undefined when
 * Temporal has no workflow with that id. The answer is the raw view: callers summarise it before
 * printing anything (see summaries.ts).
 */
export async function queryEntityState(client: Client, workflowId: string, timeoutMs = DEFAULT_QUERY_TIMEOUT_MS): Promise<unknown> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).query(stateQuery));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw new EntityUnavailableError(workflowId, error);
  }
}
