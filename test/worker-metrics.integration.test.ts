import path from 'node:path';
import { startChild, type Child } from '../scripts/child-process';
import { freePort } from '../scripts/dev-server';
import { deliver, fixtureEvent } from './support/delivery';
import { parsePrometheusText, type Exposition } from './support/prometheus';
import { temporalClient, useStack } from './support/stack';
import { waitFor } from './support/wait-for';

/*
 * The worker process (`src/worker.ts`, as deployed) with WORKER_METRICS_ADDRESS: the Temporal
 * SDK's own Prometheus exporter answers on it, with the metric names the README's alerts use.
 */

const ROOT = path.resolve(__dirname, '..');
const TASK_QUEUE = 'osigu-webhooks-worker-metrics';

const stack = useStack({ receiver: true, receiverEnv: { TEMPORAL_TASK_QUEUE: TASK_QUEUE }, receiverCloseGraceMs: 1_000 });
let worker: Child;
let metricsUrl: string;
let output = '';

beforeAll(async () => {
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  worker = startChild({
    name: 'worker',
    command: process.execPath,
    args: ['--require', 'tsx/cjs', 'src/worker.ts'],
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      OSIGU_ENVIRONMENT: 'sandbox',
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'warn',
    },
  });
  worker.onOutput((combined) => (output = combined));
  stack.defer(() => worker.stop());
}, 120_000);

async function scrapeWorker(): Promise<Exposition> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

it("serves the SDK's metrics on WORKER_METRICS_ADDRESS: a completed workflow is counted, names as documented", async () => {
  await waitFor(
    'the worker metrics endpoint',
    async () => ((await fetch(metricsUrl).catch(() => undefined))?.ok ? true : undefined),
    60_000,
  );

  const event = fixtureEvent('prescription.email_delivered');
  const response = await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event));
  expect(response.status).toBe(200);
  const { client, close } = await temporalClient(stack.temporal.address);
  try {
    await client.workflow.getHandle(String(event.event_id)).result();
  } finally {
    await close();
  }

  const exposition = await waitFor(
    'temporal_workflow_completed on the worker',
    async () => {
      const scraped = await scrapeWorker();
      return scraped.samples.some((s) => s.name === 'temporal_workflow_completed' && s.value >= 1) ? scraped : undefined;
    },
    30_000,
  );
  const names = new Set(exposition.samples.map((s) => s.name));
  for (const name of [
    'temporal_workflow_completed',
    'temporal_workflow_task_schedule_to_start_latency_bucket',
    'temporal_worker_task_slots_available',
    'temporal_num_pollers',
  ]) {
    expect({ name, present: names.has(name) }).toEqual({ name, present: true });
  }
  const completed = exposition.samples.find((s) => s.name === 'temporal_workflow_completed');
  expect(completed?.labels).toMatchObject({ task_queue: TASK_QUEUE, namespace: 'default' });
  // Labels are types, queues and namespaces: never a workflow id (an event id).
  const labelValues = exposition.samples.flatMap((s) => Object.values(s.labels));
  expect(labelValues.filter((value) => value.includes(String(event.event_id)))).toEqual([]);
  expect(output).not.toMatch(/error/i);
}, 120_000);
