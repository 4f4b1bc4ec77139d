/**
 * After a step: every acknowledged event exists, as exactly one workflow execution. Visibility
 * (`WorkflowId STARTS_WITH '<prefix>'`) is eventually consistent, so it is read again until
 * every acknowledged id shows or the time is up; a sample is then described, which reads the
 * execution itself rather than the visibility store.
 */
import type { Client } from '@temporalio/client';
import { sleep } from '../children';

export interface ExactlyOnceResult {
  store: 'temporal' | 'postgres';
  ok: boolean;
  acknowledged: number;
  /** Distinct ids with the step's prefix in the store. */
  found: number;
  /** Acknowledged, but not in the store: a lost event. */
  missing: number;
  /** Ids with more than one run: processed twice. */
  duplicated: number;
  /** In the store without a 2xx (a start that reached Temporal after its deadline: allowed, Osigu retries). */
  storedNotAcknowledged: number;
  sampled: number;
  sampleFailures: number;
  /** How long visibility took to show every acknowledged id. */
  settledMs: number;
  examples: string[];
}

function sample<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0] as T);
  return picked;
}

async function runsByWorkflowId(client: Client, prefix: string): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for await (const execution of client.workflow.list({ query: `WorkflowId STARTS_WITH '${prefix}'`, pageSize: 1000 })) {
    runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
  }
  return runs;
}

export async function checkInTemporal(
  client: Client,
  prefix: string,
  acknowledged: readonly string[],
  { timeoutMs, sampleSize = 25 }: { timeoutMs: number; sampleSize?: number },
): Promise<ExactlyOnceResult> {
  const started = Date.now();
  let runs = new Map<string, number>();
  let missing: string[] = [...acknowledged];
  for (;;) {
    runs = await runsByWorkflowId(client, prefix);
    missing = acknowledged.filter((id) => !runs.has(id));
    if (missing.length === 0 || Date.now() - started > timeoutMs) break;
    await sleep(2_000);
  }
  const settledMs = Date.now() - started;
  const duplicated = [...runs].filter(([, count]) => count > 1).map(([id]) => id);
  const acknowledgedSet = new Set(acknowledged);
  const storedNotAcknowledged = [...runs.keys()].filter((id) => !acknowledgedSet.has(id)).length;

  const sampled = sample(acknowledged, sampleSize);
  const failures: string[] = [];
  for (const id of sampled) {
    try {
      const description = await client.workflow.getHandle(id).describe();
      if (description.workflowId !== id) failures.push(id);
    } catch {
      failures.push(id);
    }
  }
  return {
    store: 'temporal',
    ok: missing.length === 0 && duplicated.length === 0 && failures.length === 0,
    acknowledged: acknowledged.length,
    found: runs.size,
    missing: missing.length,
    duplicated: duplicated.length,
    storedNotAcknowledged,
    sampled: sampled.length,
    sampleFailures: failures.length,
    settledMs,
    examples: [
      ...missing.slice(0, 3).map((id) => `missing ${id}`),
      ...duplicated.slice(0, 3).map((id) => `${runs.get(id)} runs: ${id}`),
      ...failures.slice(0, 3).map((id) => `describe failed: ${id}`),
    ],
  };
}
