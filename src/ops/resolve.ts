import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
  type Client,
} from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { resolveDiscrepancyUpdate, type DiscrepancyResolution } from '../workflows/messages';
import { DEFAULT_QUERY_TIMEOUT_MS, queryEntityState } from './entity-state';
import { dispensationRefOf } from './resources';
import { summarizeEntity, summarizeResolution, type ResolutionSummary } from './summaries';

/** Refused by the entity (nothing recorded): the workflow is missing or has no open discrepancy. */
export class NoOpenDiscrepancyError extends Error {
  override readonly name = 'NoOpenDiscrepancyError';
  constructor(
    readonly workflowId: string,
    readonly reason: 'not_found' | 'not_open',
    readonly status?: string,
    readonly resolution?: ResolutionSummary | null,
  ) {
    super(
      reason === 'not_found'
        ? `${workflowId}: no such workflow, nothing to resolve`
        : `${workflowId}: no open discrepancy (status ${status ?? 'UNKNOWN'}${resolution ? `; already resolved: ${resolution.decision} by ${resolution.by}${resolution.at ? ` at ${resolution.at}` : ''}` : ''}); nothing recorded`,
    );
  }
}

/** The entity's validator refused the resolution itself (a decision it does not know, no `by`). */
export class InvalidResolutionError extends Error {
  override readonly name = 'InvalidResolutionError';
  constructor(
    readonly workflowId: string,
    readonly reason: string,
  ) {
    super(`${workflowId}: resolution refused: ${reason}`);
  }
}

export interface ResolveOptions {
  /** How long to wait for the entity to answer the Update. */
  waitMs?: number;
  queryTimeoutMs?: number;
}

export interface ResolveOutcome {
  dispensationId: string;
  workflowId: string;
  /**
   * resolved: the entity recorded this decision and answered with its state. pending: no answer
   * within the wait (no worker polling, say): check with `ops timeline` before resolving again.
   */
  outcome: 'resolved' | 'pending';
  resolution: (ResolutionSummary & { note?: string }) | null;
}

/**
 * Sends the `resolveDiscrepancy` Update to `dispensation:<id>`. The entity's validator decides:
 * it refuses (and records nothing) when no discrepancy is open, when it was already resolved,
 * when the decision is not accept/reject or `by` is missing; accepted, the answer is the state
 * with the decision recorded. No check-then-act race: the entity is the only judge.
 */
export async function resolveDiscrepancy(
  client: Client,
  dispensationId: string,
  resolution: DiscrepancyResolution,
  options: ResolveOptions = {},
): Promise<ResolveOutcome> {
  const { waitMs = 5_000, queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS } = options;
  const ref = dispensationRefOf(dispensationId);
  const args: DiscrepancyResolution = {
    decision: resolution.decision,
    by: resolution.by,
    ...(resolution.note === undefined ? {} : { note: resolution.note }),
  };
  try {
    const view = await client.withDeadline(Date.now() + waitMs, () =>
      client.workflow.getHandle(ref.workflowId).executeUpdate(resolveDiscrepancyUpdate, { args: [args] }),
    );
    const recorded = summarizeResolution(view.resolution);
    return {
      dispensationId: ref.resourceId,
      workflowId: ref.workflowId,
      outcome: 'resolved',
      // The note is echoed only when it is the operator's own, just typed.
      resolution: recorded === null ? null : args.note === undefined ? recorded : { ...recorded, note: args.note },
    };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new NoOpenDiscrepancyError(ref.workflowId, 'not_found');
    if (error instanceof WorkflowUpdateFailedError) {
      const reason = error.cause instanceof Error ? error.cause.message : 'refused';
      if (reason === 'no discrepancy is open' || reason.startsWith('already resolved by')) {
        const view = await queryEntityState(client, ref.workflowId, queryTimeoutMs).catch(() => undefined);
        const summary = view === undefined ? undefined : summarizeEntity('dispensation', ref.resourceId, view);
        throw new NoOpenDiscrepancyError(ref.workflowId, 'not_open', summary?.status, summary?.resolution ?? null);
      }
      throw new InvalidResolutionError(ref.workflowId, reason);
    }
    const deadline = isGrpcServiceError(error) && error.code === GrpcStatus.DEADLINE_EXCEEDED;
    if (deadline || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      return { dispensationId: ref.resourceId, workflowId: ref.workflowId, outcome: 'pending', resolution: null };
    throw error;
  }
}
