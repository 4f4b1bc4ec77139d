import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { METRIC_NAMES } from '../../src/http/metrics';
import type { Receiver } from '../../src/http/server';
import { signatureHeader } from '../../src/osigu/signature';
import { deliver, deliverUntilAcknowledged, fixtureEvent, TEST_SECRET } from '../support/delivery';
import { scrape, valueOf } from '../support/prometheus';
import { runsOf, startTestReceiver, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/*
 * The body-read bound against the real receiver, worker and Temporal: slow clients (raw sockets
 * that trickle their bodies) fill MAX_BODY_READS, the next delivery is refused with 503 overloaded
 * before a byte of its body is read, and once the slow ones finish or are cut off, deliveries are
 * accepted. (test/http/admission.test.ts has the per-address share and the body deadline.)
 */

const WEBHOOK_PATH = '/osigu/webhooks';

const stack = useStack({ worker: true, client: true });

interface Signed {
  eventId: string;
  body: Buffer;
  header: string;
}

function signedEvent(type: string): Signed {
  const event = fixtureEvent(type);
  const body = Buffer.from(JSON.stringify(event));
  return {
    eventId: String(event.event_id),
    body,
    header: signatureHeader(body, { secrets: TEST_SECRET, timestamp: Math.floor(Date.now() / 1000) }),
  };
}

/** A delivery on a raw socket, headers first; the body is written by the test, when it likes. */
interface RawDelivery {
  socket: net.Socket;
  closed: Promise<void>;
  isClosed: () => boolean;
  received: () => string;
}

async function openDelivery(origin: string, { header, body }: Signed): Promise<RawDelivery> {
  const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(origin).port) });
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  socket.write(
    `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `X-Osigu-Signature: ${header}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  return { socket, closed: closedPromise, isClosed: () => closed, received: () => Buffer.concat(chunks).toString('utf8') };
}

/** Writes `bytes` in `pieces` pieces, `everyMs` apart. */
async function trickle(delivery: RawDelivery, bytes: Buffer, pieces: number, everyMs: number): Promise<void> {
  const size = Math.ceil(bytes.length / pieces);
  for (let offset = 0; offset < bytes.length; offset += size) {
    delivery.socket.write(bytes.subarray(offset, offset + size));
    await sleep(everyMs);
  }
}

function statusOf(response: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  return match ? Number(match[1]) : undefined;
}

async function inFlight(origin: string): Promise<number> {
  return valueOf(await scrape(origin), METRIC_NAMES.inFlight);
}

async function untilInFlight(origin: string, count: number): Promise<void> {
  await waitFor(`${count} deliveries in flight`, async () => ((await inFlight(origin)) === count ? true : undefined), 10_000);
}

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('MAX_BODY_READS=2, two slow deliveries in flight', () => {
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startTestReceiver(stack.temporal.address, {
      MAX_BODY_READS: '2',
      REQUEST_TIMEOUT_MS: '30000',
      HEADERS_TIMEOUT_MS: '10000',
      BODY_TIMEOUT_MS: '30000',
    });
  });

  afterAll(async () => {
    await receiver?.close(1_000);
  });

  it('a third delivery gets 503 overloaded with Retry-After before its body is read; after the two finish, all are accepted', async () => {
    const origin = receiver.origin;
    const slow = [signedEvent('authorization.created'), signedEvent('dispensing.started')];
    const deliveries = await Promise.all(slow.map((signed) => openDelivery(origin, signed)));
    // Half of each body, then nothing for now: both are admitted and reading.
    deliveries.forEach((delivery, i) => delivery.socket.write(slow[i]?.body.subarray(0, 100) ?? ''));
    await untilInFlight(origin, 2);

    // A third, on a raw socket, sends its headers and none of its body: answered at once.
    const refused = signedEvent('prescription.issued');
    const third = await openDelivery(origin, refused);
    await Promise.race([third.closed, sleep(5_000)]);
    expect(third.isClosed()).toBe(true);
    const answer = third.received();
    expect(statusOf(answer)).toBe(503);
    expect(answer).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: 'overloaded',
      message: expect.any(String) as unknown,
    });

    // And one by fetch, body and all.
    const fourth = signedEvent('settlement.paid');
    const overloaded = await deliver(`${origin}${WEBHOOK_PATH}`, fourth.body);
    expect(overloaded.status).toBe(503);
    expect(overloaded.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await overloaded.json()).toMatchObject({ error: 'overloaded' });

    // Health is never shed.
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    await expectNoWorkflow(refused.eventId);
    await expectNoWorkflow(fourth.eventId);

    // The slow two finish: accepted.
    await Promise.all(deliveries.map((delivery, i) => trickle(delivery, slow[i]?.body.subarray(100) ?? Buffer.alloc(0), 10, 30)));
    await Promise.all(deliveries.map((delivery) => delivery.closed));
    for (const [i, delivery] of deliveries.entries()) {
      expect(statusOf(delivery.received())).toBe(200);
      expect(delivery.received()).toContain(`"event_id":"${slow[i]?.eventId}"`);
    }
    expect(await inFlight(origin)).toBe(0);

    // Osigu's retries of the two refused deliveries are accepted.
    for (const signed of [refused, fourth]) {
      const retried = await deliver(`${origin}${WEBHOOK_PATH}`, signed.body);
      expect(await retried.json()).toEqual({ received: true, event_id: signed.eventId, duplicate: false });
    }
    for (const { eventId } of [...slow, refused, fourth]) await stack.client.workflow.getHandle(eventId).result();

    const exposition = await scrape(origin);
    expect(valueOf(exposition, METRIC_NAMES.shed, { limit: 'body_reads_per_address' })).toBe(2);
    expect(valueOf(exposition, METRIC_NAMES.deliveries, { outcome: 'overloaded', status: '503' })).toBe(2);
    expect(valueOf(exposition, METRIC_NAMES.deliveries, { outcome: 'accepted', status: '200' })).toBe(4);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  });

  it('a burst of 20 concurrent deliveries: each answer is 200 or 503 overloaded, and retried until 200 each event runs exactly once', async () => {
    const url = `${receiver.origin}${WEBHOOK_PATH}`;
    const bodies = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify(fixtureEvent(i % 2 === 0 ? 'dispensing.completed' : 'authorization.updated')),
    );
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const response = await deliver(url, body);
        return { status: response.status, body: (await response.json()) as { error?: string } };
      }),
    );
    for (const answer of answers) {
      if (answer.status !== 200) expect(answer).toEqual({ status: 503, body: expect.objectContaining({ error: 'overloaded' }) as unknown });
    }
    await Promise.all(bodies.map((body) => deliverUntilAcknowledged(url, body, { delayMs: 20 })));
    expect(await inFlight(receiver.origin)).toBe(0);

    const ids = bodies.map((body) => (JSON.parse(body) as { event_id: string }).event_id);
    for (const id of ids) await stack.client.workflow.getHandle(id).result();
    for (const id of ids)
      expect(await waitFor(`one run of ${id}`, async () => ((await runsOf(stack.client, id)).length === 1 ? 1 : undefined))).toBe(1);
    expect((await fetch(`${receiver.origin}/readyz`)).status).toBe(200);
  });
});

describe('MAX_BODY_READS=1: a slot held by a client that never finishes is given back', () => {
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startTestReceiver(stack.temporal.address, {
      MAX_BODY_READS: '1',
      REQUEST_TIMEOUT_MS: '2000',
      HEADERS_TIMEOUT_MS: '1000',
    });
  });

  afterAll(async () => {
    await receiver?.close(1_000);
  });

  it('when the body deadline (or REQUEST_TIMEOUT_MS) cuts the client off (408)', async () => {
    const stuck = signedEvent('authorization.created');
    const delivery = await openDelivery(receiver.origin, stuck);
    delivery.socket.write(stuck.body.subarray(0, 50));
    await untilInFlight(receiver.origin, 1);
    expect((await deliver(`${receiver.origin}${WEBHOOK_PATH}`, signedEvent('dispensing.started').body)).status).toBe(503);

    await Promise.race([delivery.closed, sleep(10_000)]);
    expect(delivery.isClosed()).toBe(true);
    expect(statusOf(delivery.received())).toBe(408);
    await untilInFlight(receiver.origin, 0);

    const next = signedEvent('dispensing.started');
    expect((await deliver(`${receiver.origin}${WEBHOOK_PATH}`, next.body)).status).toBe(200);
    await expectNoWorkflow(stuck.eventId);
  });

  it('when the client vanishes (connection reset)', async () => {
    const gone = signedEvent('authorization.created');
    const delivery = await openDelivery(receiver.origin, gone);
    delivery.socket.write(gone.body.subarray(0, 50));
    await untilInFlight(receiver.origin, 1);
    delivery.socket.resetAndDestroy();
    await delivery.closed;
    await untilInFlight(receiver.origin, 0);

    expect((await deliver(`${receiver.origin}${WEBHOOK_PATH}`, signedEvent('dispensing.started').body)).status).toBe(200);
    await expectNoWorkflow(gone.eventId);
    expect((await fetch(`${receiver.origin}/healthz`)).status).toBe(200);
  });
});
