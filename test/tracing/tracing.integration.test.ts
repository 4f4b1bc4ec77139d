// One trace from the HTTP delivery to the entity: the real receiver and worker with tracing on,
// exporting over OTLP/HTTP to a local collector (a real HTTP server standing in for the tracing
// backend), a real Temporal dev server between them.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { loadReceiverConfig, loadWorkerConfig } from '../../src/config';
import { startReceiver, type Receiver } from '../../src/http/server';
import { clientTracingInterceptors } from '../../src/tracing/temporal';
import { startTracing, tracingEnabled, type Tracing } from '../../src/tracing/tracing';
import { activitiesFor, createWorkers, type Workers } from '../../src/worker';
import { freePort, type DevServer } from '../../scripts/dev-server';
import { deliver, fixtureEvent, TEST_SECRET } from '../support/delivery';
import { startTemporal, TASK_QUEUE } from '../support/stack';
import { waitFor } from '../support/wait-for';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

const spans: OtlpSpan[] = [];
const bodies: string[] = [];
let collector: http.Server;
let temporal: DevServer;
let tracing: Tracing | undefined;
let workers: Workers;
let running: Promise<void>;
let connections: { close: () => Promise<void> }[] = [];
let receiver: Receiver;

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      const parsed = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
      for (const resource of parsed.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` };
  tracing = startTracing('osigu-test', env);

  temporal = await startTemporal();
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const clientConnection = await Connection.connect({ address: temporal.address });
  connections = [clientConnection, nativeConnection];
  const client = new Client({ connection: clientConnection, interceptors: clientTracingInterceptors(tracing) ?? {} });
  const config = loadWorkerConfig({ TEMPORAL_TASK_QUEUE: TASK_QUEUE, OSIGU_ENVIRONMENT: 'sandbox' });
  workers = await createWorkers({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: config.taskQueue,
    entityTaskQueue: config.entityTaskQueue,
    activities: activitiesFor(config, client),
    tracing,
  });
  running = workers.run();
  receiver = await startReceiver(
    loadReceiverConfig({
      OSIGU_ENVIRONMENT: 'sandbox',
      OSIGU_WEBHOOK_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    }),
    { connectionOptions: { address: temporal.address }, namespace: 'default' },
    { logger: pino({ level: 'silent' }), tracing },
  );
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  workers?.shutdown();
  await running;
  for (const connection of connections) await connection.close();
  await tracing?.shutdown();
  await temporal?.stop();
  // The exporter keeps its connection alive: close it too, or the server keeps jest waiting.
  collector?.closeAllConnections();
  collector?.close();
});

const attribute = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes?.find((candidate) => candidate.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

it('is off without an OTLP endpoint', () => {
  expect(tracingEnabled({})).toBe(false);
  expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
});

it('follows a delivery from the HTTP request through the workflow start into the event workflow, its hand-off activity and the entity applyEvent Update, with ids and types only', async () => {
  const event = fixtureEvent('dispensing.completed');
  const response = await deliver(`${receiver.origin}/osigu/webhooks`, JSON.stringify(event));
  expect(response.status).toBe(200);

  const root = await waitFor('the delivery span', async () => {
    await tracing?.spanProcessor.forceFlush();
    return spans.find((span) => span.name === 'osigu.webhook.delivery' && attribute(span, 'osigu.event_id') === event.event_id);
  });
  expect(attribute(root, 'osigu.event_type')).toBe('dispensing.completed');
  expect(attribute(root, 'http.response.status_code')).toBe(200);

  const inTrace = await waitFor('the event workflow and the entity to join the trace', async () => {
    await tracing?.spanProcessor.forceFlush();
    const found = spans.filter((span) => span.traceId === root.traceId);
    const names = found.map((span) => span.name);
    return names.includes('HandleUpdate:applyEvent') && names.includes('RunWorkflow:dispensingEventWorkflow') ? found : undefined;
  });
  const names = inTrace.map((span) => span.name);
  expect(names).toEqual(expect.arrayContaining(['StartWorkflow:dispensingEventWorkflow', 'RunWorkflow:dispensingEventWorkflow']));
  expect(names.some((name) => name.startsWith('RunActivity:'))).toBe(true);
  const start = inTrace.find((span) => span.name === 'StartWorkflow:dispensingEventWorkflow');
  expect(start?.parentSpanId).toBe(root.spanId);

  // Nothing from the event's data reaches an exported span: no string value of `data` appears.
  const data = event.data as Record<string, unknown>;
  const phi = Object.values(data).filter(
    (value): value is string => typeof value === 'string' && value.length > 3 && !/^(dsp|auth|areq|rx|stl|clm)_/.test(value),
  );
  expect(phi.length).toBeGreaterThan(0);
  for (const value of phi) for (const body of bodies) expect(body).not.toContain(value);
});
