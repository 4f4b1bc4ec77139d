import type { Client } from '@temporalio/client';
import { resolveDiscrepancySignal, type DiscrepancyResolution } from '../workflows/messages';
import { sleep } from './concurrency';
import { DEFAULT_QUERY_TIMEOUT_MS, queryEntityState } from './entity-state';
import { dispensationRefOf } from './resources';
import { summarizeEntity, summarizeResolution, type ResolutionSummary } from './summaries';

/** Refused before anything was sent: the workflow is missing or has no open discrepancy. */
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
        : `${workflowId}: no open discrepancy (status ${status ?? 'UNKNOWN'}${resolution ? `; already resolved: ${resolution.decision} by ${resolution.by}${resolution.at ? ` at ${resolution.at}` : ''}` : ''}); nothing sent`,
    );
  }
}

export interface ResolveOptions {
  /** How long to poll the state query for the outcome after signalling. */
  waitMs?: number;
  pollIntervalMs?: number;
  queryTimeoutMs?: number;
}

export interface ResolveOutcome {
  dispensationId: string;
  workflowId: string;
  /**
   * resolved: the entity recorded this decision. resolved_by_other: someone else's decision got
   * there first, so this one was ignored. pending: the signal is durable in Temporal, but the
   * entity had not applied it within the wait (no worker polling, say): check again later.
   */
  outcome: 'resolved' | 'resolved_by_other' | 'pending';
  resolution: (ResolutionSummary & { note?: string }) | null;
}

const sameDecision = (a: DiscrepancyResolution, b: unknown): boolean => {
  const other = (typeof b === 'object' && b !== null ? b : {}) as Partial<Record<keyof DiscrepancyResolution, unknown>>;
  return a.decision === other.decision && a.by === other.by && (a.note ?? undefined) === (other.note ?? undefined);
};

/**
 * Sends `resolveDiscrepancy` to `dispensation:<id>` if, and only if, its state shows an open
 * discrepancy; then polls the state until the resolution shows (or the wait ends).
 */
export async function resolveDiscrepancy(client: Client, dispensationId: string, resolution: DiscrepancyResolution, options: ResolveOptions = {}): Promise<ResolveOutcome> {
  const { waitMs = 5_000, pollIntervalMs = 250, queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS } = options;
  const ref = dispensationRefOf(dispensationId);
  const before = await queryEntityState(client, ref.workflowId, queryTimeoutMs);
  if (before === undefined) throw new NoOpenDiscrepancyError(ref.workflowId, 'not_found');
  const summary = summarizeEntity('dispensation', ref.resourceId, before);
  if (!summary.flags.includes('discrepancy')) throw new NoOpenDiscrepancyError(ref.workflowId, 'not_open', summary.status, summary.resolution);

  const signal: DiscrepancyResolution = { decision: resolution.decision, by: resolution.by, ...(resolution.note === undefined ? {} : { note: resolution.note }) };
  await client.workflow.getHandle(ref.workflowId).signal(resolveDiscrepancySignal, signal);

  const deadline = Date.now() + waitMs;
  for (;;) {
    let view: unknown;
    try {
      view = await queryEntityState(client, ref.workflowId, Math.max(1, Math.min(queryTimeoutMs, deadline - Date.now())));
    } catch {
      view = undefined; // the signal is sent; a failed look is only a reason to look again
    }
    const raw = typeof view === 'object' && view !== null ? (view as { resolution?: unknown }).resolution : undefined;
    const recorded = summarizeResolution(raw);
    if (recorded !== null) {
      const mine = sameDecision(signal, raw);
      return {
        dispensationId: ref.resourceId,
        workflowId: ref.workflowId,
        outcome: mine ? 'resolved' : 'resolved_by_other',
        // The note is echoed only when it is the operator's own, just typed.
        resolution: mine && signal.note !== undefined ? { ...recorded, note: signal.note } : recorded,
      };
    }
    if (Date.now() >= deadline) return { dispensationId: ref.resourceId, workflowId: ref.workflowId, outcome: 'pending', resolution: null };
    await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
}
