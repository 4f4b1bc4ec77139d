// Re-running many events at once, after a bad deploy or an outage: a Temporal batch reset of the
// event workflows a visibility query and a time window select. Temporal runs the batch as a job of
// its own (durable, rate-limited, resumable: it goes on if this process dies), so the CLI only plans
// it, starts it and watches it. Entities keep events by id, so a re-run re-sends events they already
// have and they ignore them: what a re-run redoes is the event workflow's own work.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { EVENT_WORKFLOW_TYPES } from './resources';
import { RerunRefusedError } from './rerun';

const { BatchOperationState } = temporal.api.enums.v1;

export interface BulkSelection {
  /** The operator's own visibility query (e.g. `OsiguEventType = 'dispensing.completed'`); ANDed with the rest. */
  query?: string;
  since: Date;
  until?: Date;
}

export interface BulkPlan {
  /** The query Temporal runs: event workflows only, in the window, within the operator's query. */
  query: string;
  count: number;
  sample: { eventId: string; workflowType: string; startTime: string; status: string }[];
}

export interface BulkJob {
  jobId: string;
  state: 'running' | 'completed' | 'failed' | 'unspecified';
  total: number;
  completed: number;
  failed: number;
}

/** `2h`, `30m`, `7d` before `now`, or an ISO 8601 time. */
export function parseSince(value: string, now: Date): Date {
  const relative = /^(\d{1,5})([mhd])$/.exec(value.trim());
  if (relative !== null) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime()))
    throw new RerunRefusedError(`not a time: ${value} (use 2h, 30m, 7d or an ISO 8601 time)`);
  return at;
}

/**
 * Only event workflows, ever: an entity reset would replay a resource's whole life. The window is on
 * StartTime, when the receiver accepted the event.
 */
export function bulkRerunQuery({ query, since, until }: BulkSelection): string {
  if (until !== undefined && until.getTime() <= since.getTime()) throw new RerunRefusedError('--until must be after --since');
  const types = [...EVENT_WORKFLOW_TYPES]
    .sort()
    .map((type) => `'${type}'`)
    .join(', ');
  const parts = [`WorkflowType IN (${types})`, `StartTime >= '${since.toISOString()}'`];
  if (until !== undefined) parts.push(`StartTime <= '${until.toISOString()}'`);
  const own = query?.trim();
  if (own !== undefined && own !== '') parts.push(`(${own})`);
  return parts.join(' AND ');
}

export async function planBulkRerun(client: Client, selection: BulkSelection, sampleSize = 5): Promise<BulkPlan> {
  const query = bulkRerunQuery(selection);
  const { count } = await client.workflow.count(query);
  const sample: BulkPlan['sample'] = [];
  for await (const execution of client.workflow.list({ query, pageSize: sampleSize })) {
    sample.push({
      eventId: execution.workflowId,
      workflowType: execution.type,
      startTime: execution.startTime.toISOString(),
      status: execution.status.name,
    });
    if (sample.length >= sampleSize) break;
  }
  return { query, count, sample };
}

export interface StartOptions {
  reason: string;
  /** Who asked: recorded as the reset's identity and in its reason (ops audit reads both). */
  by: string;
  /** Resets per second, so a re-run of a day of events does not starve live deliveries. */
  ratePerSecond: number;
}

/** Starts the batch reset (to each run's first workflow task); answers its job id. */
export async function startBulkRerun(client: Client, plan: BulkPlan, { reason, by, ratePerSecond }: StartOptions): Promise<string> {
  const why = reason.trim();
  if (why === '') throw new RerunRefusedError('a reason is required: it is recorded in every new run');
  const jobId = `ops-rerun-${randomUUID()}`;
  await client.workflowService.startBatchOperation({
    namespace: client.options.namespace,
    jobId,
    visibilityQuery: plan.query,
    reason: `${why} (by ${by})`,
    maxOperationsPerSecond: ratePerSecond,
    resetOperation: { identity: `ops:${by}`, options: { firstWorkflowTask: {} } },
  });
  return jobId;
}

const STATES: Record<number, BulkJob['state']> = {
  [BatchOperationState.BATCH_OPERATION_STATE_RUNNING]: 'running',
  [BatchOperationState.BATCH_OPERATION_STATE_COMPLETED]: 'completed',
  [BatchOperationState.BATCH_OPERATION_STATE_FAILED]: 'failed',
};

export async function describeBulkRerun(client: Client, jobId: string): Promise<BulkJob> {
  const response = await client.workflowService.describeBatchOperation({ namespace: client.options.namespace, jobId });
  return {
    jobId,
    state: STATES[response.state ?? 0] ?? 'unspecified',
    total: Number(response.totalOperationCount ?? 0),
    completed: Number(response.completeOperationCount ?? 0),
    failed: Number(response.failureOperationCount ?? 0),
  };
}

/** Polls the job until it is no longer running, reporting each change; answers the final state. */
export async function watchBulkRerun(
  client: Client,
  jobId: string,
  onProgress: (job: BulkJob) => void,
  { intervalMs = 1_000, timeoutMs = 3_600_000 } = {},
): Promise<BulkJob> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const job = await describeBulkRerun(client, jobId);
    const said = `${job.state} ${job.completed} ${job.failed} ${job.total}`;
    if (said !== last) onProgress(job);
    last = said;
    if (job.state !== 'running' || Date.now() > deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
