import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild, waitForOutput, type Child } from '../../scripts/child-process';
import { freePort } from '../../scripts/dev-server';
import { deliver, deliverUntilAcknowledged, fixtureEvent, TEST_SECRET } from '../support/delivery';
import { runsOf, TASK_QUEUE, temporalClient, useStack } from '../support/stack';

const ROOT = path.resolve(__dirname, '../..');

describe('when Temporal is down', () => {
  let dir: string;
  const stack = useStack({
    before: (defer) => {
      dir = mkdtempSync(path.join(tmpdir(), 'osigu-outage-'));
      defer(() => rmSync(dir, { recursive: true, force: true }));
    },
    // File-backed, on a fixed port, so that restartTemporal() brings the same server back.
    temporal: async () => ({ port: await freePort(), dbFile: path.join(dir, 'temporal.db') }),
    worker: true,
    receiver: true,
    receiverEnv: { TEMPORAL_START_TIMEOUT_MS: '1500' },
  });

  it('answers 503 with Retry-After, and the same delivery succeeds once Temporal is back', async () => {
    const url = `${stack.receiver.origin}/osigu/webhooks`;
    const body = JSON.stringify(fixtureEvent('dispensing.started'));
    const eventId = (JSON.parse(body) as { event_id: string }).event_id;

    await stack.temporal.stop();
    const refused = await deliver(url, body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ error: 'temporal_unavailable' });
    expect((await fetch(`${stack.receiver.origin}/readyz`)).status).toBe(503);

    // Same port, same file: the server Osigu's retry finds is the one that went away.
    await stack.restartTemporal();
    const attempts = await deliverUntilAcknowledged(url, body);
    expect(attempts).toBeGreaterThanOrEqual(1);

    const { client, close } = await temporalClient(stack.temporal.address);
    try {
      const result: unknown = await client.workflow.getHandle(eventId).result();
      expect(result).toMatchObject({ eventId, eventType: 'dispensing.started' });
      expect(await runsOf(client, eventId)).toHaveLength(1);
    } finally {
      await close();
    }
  });
});

describe('when the receiver process is killed mid-stream', () => {
  const stack = useStack({ worker: true, client: true });

  async function spawnReceiver(port: number): Promise<Child> {
    const child = startChild({
      name: `receiver :${port}`,
      command: process.execPath,
      args: ['--require', 'tsx/cjs', 'src/http/server.ts'],
      cwd: ROOT,
      stderr: 'inherit',
      keep: 8_000,
      env: {
        PATH: process.env.PATH,
        OSIGU_ENVIRONMENT: 'sandbox',
        OSIGU_WEBHOOK_SECRET: TEST_SECRET,
        HOST: '127.0.0.1',
        PORT: String(port),
        TEMPORAL_ADDRESS: stack.temporal.address,
        TEMPORAL_TASK_QUEUE: TASK_QUEUE,
        LOG_LEVEL: 'info',
      },
    });
    // The first log line says it listens.
    await waitForOutput(child, /receiver listening/);
    return child;
  }

  it('loses no event: every one is acknowledged after the restart and exists exactly once', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/osigu/webhooks`;
    let receiver = await spawnReceiver(port);

    const types = ['authorization.created', 'dispensing.started', 'dispensing.completed', 'prescription.issued', 'settlement.paid'];
    const bodies = Array.from({ length: 60 }, (_, index) => JSON.stringify(fixtureEvent(types[index % types.length] ?? 'settlement.paid')));
    let acknowledged = 0;
    const sending = (async () => {
      // Four deliveries at a time, like a busy Osigu.
      const queue = [...bodies];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
            await deliverUntilAcknowledged(url, body, { delayMs: 50 });
            acknowledged += 1;
          }
        }),
      );
    })();

    while (acknowledged < 15) await new Promise((resolve) => setTimeout(resolve, 10));
    await receiver.kill();
    expect(acknowledged).toBeLessThan(bodies.length);
    receiver = await spawnReceiver(port);
    try {
      await sending;
    } finally {
      await receiver.stop();
    }

    for (const body of bodies) {
      const eventId = (JSON.parse(body) as { event_id: string }).event_id;
      await stack.client.workflow.getHandle(eventId).result();
      expect(await runsOf(stack.client, eventId)).toHaveLength(1);
    }
  }, 120_000);
});
