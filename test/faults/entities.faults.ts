import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { freePort, type DevServer } from '../../scripts/dev-server';
import { runDeliveries } from '../../simulator/delivery/run';
import { EVENT_FAMILIES, entityWorkflowId, type FamilyName } from '../../src/osigu/families';
import { routeEvent } from '../../src/temporal/routing';
import type { EventRecord } from '../../src/workflows/event-input';
import type { EntityView } from '../../src/workflows/messages';
import { TEST_SECRET } from '../support/delivery';
import { startTemporal, temporalClient } from '../support/stack';
import { startRefusingApi, type ApiAnswer, type RefusingApi } from '../workflows/refusing-api';
import { PROVIDER_SECRET } from './fault-stack';
import { spawnReceiver, spawnWorker, type ChildService } from './processes';
import { startProviderRecorder, type ProviderRecorder } from './provider-recorder';
import { steadyLoad } from './steady-load';

/**
 * Entity faults (issue 10), each under a steady stream of whole resource lives over signed HTTP
 * to real receiver and worker processes: Osigu's API refusing every lookup (403), and entities
 * that end between a resource's events (a 2 s quiet period), so later events find their entity
 * ended. After each: every event acknowledged, one completed event workflow each (none parked),
 * every event applied once by its entity (the latest run holds all of them, memory carried
 * across ended runs), no entity failed, and no notification accepted twice (nothing decided twice).
 */

const TASK_QUEUE = 'osigu-webhooks-entity-faults';

interface Stack {
  temporal: DevServer;
  worker: ChildService;
  receiver: ChildService;
  provider: ProviderRecorder;
  api: RefusingApi;
  url: string;
  address: string;
  dir: string;
}

async function startStack(api: ApiAnswer, workerSettings: Record<string, string>): Promise<Stack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'osigu-entity-faults-'));
  // What has started so far, stopped again if a later part fails to start (no stray processes).
  const started: (() => Promise<unknown>)[] = [];
  try {
    const temporalPort = await freePort();
    const temporal = await startTemporal({ port: temporalPort, dbFile: path.join(dir, 'temporal.db') });
    started.push(() => temporal.stop());
    const address = `127.0.0.1:${temporalPort}`;
    const provider = await startProviderRecorder(PROVIDER_SECRET);
    started.push(() => provider.close());
    const refusing = await startRefusingApi(api);
    started.push(() => refusing.close());
    const worker = await spawnWorker({
      OSIGU_ENVIRONMENT: 'sandbox',
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      OSIGU_API_BASE_URL: refusing.origin,
      OSIGU_CLIENT_ID: 'entity-faults',
      OSIGU_CLIENT_SECRET: 'entity_faults_secret_0123',
      PROVIDER_WEBHOOK_URL: provider.url,
      PROVIDER_WEBHOOK_SECRET: PROVIDER_SECRET,
      DISPENSATION_STALE_AFTER: '1s',
      PRESCRIPTION_OUTCOME_TIMEOUT: '3s',
      WORKER_METRICS_ADDRESS: '',
      ...workerSettings,
    });
    started.push(() => worker.stop());
    const port = await freePort();
    const receiver = await spawnReceiver({
      OSIGU_ENVIRONMENT: 'sandbox',
      OSIGU_WEBHOOK_SECRET: TEST_SECRET,
      PORT: String(port),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    });
    return { temporal, worker, receiver, provider, api: refusing, url: `http://127.0.0.1:${port}/osigu/webhooks`, address, dir };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function stopStack(stack: Stack): Promise<void> {
  await stack.receiver.stop().catch(() => undefined);
  await stack.worker.stop().catch(() => undefined);
  await stack.temporal.stop().catch(() => undefined);
  await stack.provider.close().catch(() => undefined);
  await stack.api.close().catch(() => undefined);
  rmSync(stack.dir, { recursive: true, force: true });
}

interface Findings {
  problems: string[];
  entities: number;
  /** Entities with more than one run (ended and continued) or flagged lookup_failed: did the fault bite? */
  continued: number;
  lookupFailed: number;
  notifications: number;
}

async function settle<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function verify(client: Client, stack: Stack, seed: number, activeStories: number): Promise<Findings> {
  const load = steadyLoad({ seed, ratePerSecond: 8, durationMs: 15_000, activeStories });
  const result = await runDeliveries(load.lanes, { url: stack.url, secrets: TEST_SECRET, seed, timeScale: 3600, concurrency: 64 });
  const problems: string[] = [];
  const acknowledged = new Set(result.records.filter((record) => record.outcome === 'delivered').map((record) => record.eventId));
  for (const event of load.events) if (!acknowledged.has(event.event_id)) problems.push(`${event.event_id}: never acknowledged`);

  // Every event workflow: one run, completed, forwarded (never parked).
  for (const event of load.events) {
    const handle = client.workflow.getHandle(event.event_id);
    const record = await settle(`${event.event_id} closed`, async () =>
      (await handle.describe()).status.name === 'RUNNING' ? undefined : ((await handle.result()) as EventRecord),
    );
    if (record.outcome !== 'forwarded' && record.outcome !== 'no_resource') problems.push(`${event.event_id}: ${record.outcome}`);
  }

  // Every entity: its latest run holds each of its events once; none failed; memory carried across ended runs.
  const byEntity = new Map<string, string[]>();
  for (const event of load.events) {
    const route = routeEvent(event);
    if (route.resourceId === undefined || !(route.family in EVENT_FAMILIES)) continue;
    const id = entityWorkflowId(EVENT_FAMILIES[route.family as FamilyName], route.resourceId);
    byEntity.set(id, [...(byEntity.get(id) ?? []), event.event_id]);
  }
  let continued = 0;
  let lookupFailed = 0;
  for (const [workflowId, eventIds] of byEntity) {
    const view = await settle(`${workflowId} holds its events`, async () => {
      const current = await client.workflow.getHandle(workflowId).query<EntityView>('state');
      return eventIds.every((id) => current.eventIds.includes(id)) ? current : undefined;
    }).catch((error: unknown) => {
      problems.push(`${workflowId}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (view === undefined) continue;
    if (view.eventIds.length !== new Set(view.eventIds).size) problems.push(`${workflowId}: an event applied twice`);
    if (view.flags.includes('lookup_failed')) lookupFailed += 1;
    const runs: string[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs.push(execution.status.name);
      if (execution.status.name === 'FAILED' || execution.status.name === 'TERMINATED')
        problems.push(`${workflowId}: a run ${execution.status.name}`);
    }
    if (runs.length > 1) continued += 1;
  }

  // Nothing decided twice: no notification id accepted twice, every request signed.
  const accepted = stack.provider.acceptedCounts();
  for (const [id, n] of accepted) if (n > 1) problems.push(`notification ${id}: accepted ${n} times`);
  return { problems, entities: byEntity.size, continued, lookupFailed, notifications: accepted.size };
}

async function scenario(api: ApiAnswer, settings: Record<string, string>, seed: number, activeStories: number): Promise<Findings> {
  const stack = await startStack(api, settings);
  const { client, close } = await temporalClient(stack.address);
  try {
    return await verify(client, stack, seed, activeStories);
  } finally {
    await close();
    await stopStack(stack);
  }
}

describe('entity faults under steady load', () => {
  it('Osigu API 403 for lookups: entities flag lookup_failed and go on; nothing lost, nothing decided twice', async () => {
    const found = await scenario('forbidden', { ENTITY_QUIET_PERIOD: '1h' }, 1001, 8);
    process.stdout.write(
      `Osigu API 403 for lookups: ${found.entities} entities, ${found.lookupFailed} flagged lookup_failed, ${found.notifications} notifications\n`,
    );
    expect(found.problems).toEqual([]);
    expect(found.lookupFailed).toBeGreaterThan(0);
  });

  it('events for a resource after its entity ended: the next run continues its memory; nothing lost, nothing decided twice', async () => {
    // Many interleaved stories: long gaps within each, so entities end (2 s quiet) between events.
    const found = await scenario('not_found', { ENTITY_QUIET_PERIOD: '2s' }, 2002, 40);
    process.stdout.write(
      `events after entity ended: ${found.entities} entities, ${found.continued} continued after ending, ${found.notifications} notifications\n`,
    );
    expect(found.problems).toEqual([]);
    expect(found.continued).toBeGreaterThan(0);
  });
});
