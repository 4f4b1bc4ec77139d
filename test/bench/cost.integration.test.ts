// `npm run bench -- --cost-only --send N` against a real stack: every fixture type is counted, and
// a duplicate delivery adds no Temporal work at all.
import type { Client } from '@temporalio/client';
import { measureFixtureMix } from '../../bench/cost/command';
import type { Receiver } from '../../src/http/server';
import type { DevServer } from '../../scripts/dev-server';
import { FIXTURES_DIR, TEST_SECRET } from '../support/delivery';
import { startTemporal, startTestReceiver, startWorker, temporalClient, type RunningWorker } from '../support/stack';

let temporal: DevServer;
let worker: RunningWorker;
let receiver: Receiver;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  temporal = await startTemporal();
  worker = await startWorker(temporal.address);
  receiver = await startTestReceiver(temporal.address);
  ({ client, close: closeClient } = await temporalClient(temporal.address));
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await worker?.stop();
  await closeClient?.();
  await temporal?.stop();
});

it('counts the work of each of the 13 event types from their histories, and duplicates add nothing', async () => {
  const { report, duplicates } = await measureFixtureMix(client, {
    copies: 2,
    url: `${receiver.origin}/osigu/webhooks`,
    secret: TEST_SECRET,
    fixturesDir: FIXTURES_DIR,
  });
  expect(Object.keys(report.perType)).toHaveLength(13);
  for (const row of Object.values(report.perType)) {
    expect(row.events).toBe(2);
    // Every event workflow starts, runs at least one workflow task, and hands its event on.
    expect(row.eventWorkflow.workflowTasks).toBeGreaterThanOrEqual(1);
    expect(row.total.historyEvents).toBeGreaterThan(row.eventWorkflow.historyEvents);
  }
  expect(report.mix.events).toBe(26);
  expect(duplicates).toEqual({ deliveries: 26, historyEventsAdded: 0 });
}, 120_000);
