import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadReceiverConfig, type Env } from '../../src/config';
import { METRIC_NAMES } from '../../src/http/metrics';
import { startReceiver, type Receiver } from '../../src/http/server';
import { signatureHeader } from '../../src/osigu/signature';
import type { EventStarter } from '../../src/temporal/event-starter';
import { fixtureEvent, TEST_SECRET } from '../support/delivery';
import { scrape, valueOf } from '../support/prometheus';

/*
 * Admission against the real receiver (server, app, settings) with workflow starts stood in for:
 * what can be refused from the headers alone is refused before the body is read, bodies have a
 * deadline of their own, and one address cannot take the body slots another one needs.
 */

const PATH = '/osigu/webhooks';
const started: string[] = [];
const startEvent: EventStarter = (event) => {
  started.push(event.event_id);
  return Promise.resolve({ duplicate: false, runId: 'run' });
};

async function receiverWith(env: Env = {}): Promise<Receiver> {
  const config = loadReceiverConfig({
    OSIGU_WEBHOOK_SECRET: TEST_SECRET,
    OSIGU_ENVIRONMENT: 'sandbox',
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
  return startReceiver(
    config,
    { connectionOptions: { address: '127.0.0.1:1' }, namespace: 'default' },
    {
      logger: pino({ level: 'silent' }),
      startEvent,
      isTemporalReachable: () => Promise.resolve(true),
    },
  );
}

interface Raw {
  socket: net.Socket;
  closed: Promise<void>;
  isClosed: () => boolean;
  received: () => string;
}

async function raw(origin: string, head: string, localAddress = '127.0.0.1'): Promise<Raw> {
  const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(origin).port), localAddress });
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
  socket.write(head);
  return { socket, closed: closedPromise, isClosed: () => closed, received: () => Buffer.concat(chunks).toString('utf8') };
}

const now = (): number => Math.floor(Date.now() / 1000);
const head = (headers: Record<string, string>, length: number): string =>
  `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n` +
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('') +
  '\r\n';
const statusOf = (answer: string): number | undefined => {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
  return match ? Number(match[1]) : undefined;
};
const garbage = `v1=${'ab'.repeat(32)}`;

/** Waits for the socket to close, at most `capMs`; the test then asserts that it did. */
async function closedWithin(delivery: Raw, capMs = 10_000): Promise<void> {
  await Promise.race([delivery.closed, sleep(capMs)]);
}

function signed(): { body: Buffer; header: string; eventId: string } {
  const event = fixtureEvent('dispensing.started');
  const body = Buffer.from(JSON.stringify(event));
  return { body, header: signatureHeader(body, { secrets: TEST_SECRET, timestamp: now() }), eventId: String(event.event_id) };
}

describe('the signature header is checked before the body is read', () => {
  let receiver: Receiver;
  beforeAll(async () => (receiver = await receiverWith()));
  afterAll(async () => receiver.close(500));

  it.each([
    ['no signature header', {}, 'signature_missing'],
    ['a malformed header', { 'X-Osigu-Signature': 'nonsense' }, 'signature_malformed'],
    ['a stale t', { 'X-Osigu-Signature': `t=${now() - 3600},${garbage}` }, 'timestamp_too_old'],
    ['a t from the future', { 'X-Osigu-Signature': `t=${now() + 3600},${garbage}` }, 'timestamp_in_future'],
  ])('%s: 401 at once on a 1 MiB body of which nothing was sent, and the connection is closed', async (_label, headers, code) => {
    const delivery = await raw(receiver.origin, head(headers, 1_048_576));
    await closedWithin(delivery);
    expect(delivery.isClosed()).toBe(true);
    const answer = delivery.received();
    expect(statusOf(answer)).toBe(401);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain(`"error":"${code}"`);
  });

  it('Expect: 100-continue without a fresh signature: 401, and the body is never invited', async () => {
    const delivery = await raw(receiver.origin, head({ Expect: '100-continue' }, 1_048_576));
    await closedWithin(delivery);
    expect(delivery.isClosed()).toBe(true);
    expect(delivery.received()).not.toContain('100 Continue');
    expect(statusOf(delivery.received())).toBe(401);
  });

  it('Expect: 100-continue with a fresh signature: invited, then accepted', async () => {
    const { body, header, eventId } = signed();
    const delivery = await raw(
      receiver.origin,
      head({ Expect: '100-continue', 'X-Osigu-Signature': header, Connection: 'close' }, body.length),
    );
    await new Promise<void>((resolve) => delivery.socket.once('data', () => resolve()));
    expect(delivery.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
    delivery.socket.write(body);
    await closedWithin(delivery);
    expect(statusOf(delivery.received())).toBe(200);
    expect(started).toContain(eventId);
  });

  it('a fresh header with a garbage v1 is read, then refused 401 signature_mismatch', async () => {
    const body = Buffer.from('{"event_id":"evt_1"}');
    const delivery = await raw(receiver.origin, head({ 'X-Osigu-Signature': `t=${now()},${garbage}`, Connection: 'close' }, body.length));
    delivery.socket.write(body);
    await closedWithin(delivery);
    expect(delivery.received()).toContain('"error":"signature_mismatch"');
  });
});

describe('bodies have their own deadline and bound, and one address only its share', () => {
  let receiver: Receiver;
  beforeAll(async () => (receiver = await receiverWith({ MAX_BODY_READS: '4', MAX_BODY_READS_PER_ADDRESS: '2', BODY_TIMEOUT_MS: '1000' })));
  afterAll(async () => receiver.close(500));

  it('a body still arriving after BODY_TIMEOUT_MS gets 408 body_timeout and its connection is closed', async () => {
    const delivery = await raw(receiver.origin, head({ 'X-Osigu-Signature': `t=${now()},${garbage}` }, 1_000));
    delivery.socket.write('{');
    await closedWithin(delivery);
    expect(delivery.isClosed()).toBe(true);
    expect(statusOf(delivery.received())).toBe(408);
    expect(delivery.received()).toContain('"error":"body_timeout"');
  });

  it('two slow bodies from one address fill its share: a third from it gets 503 at once, another address is accepted', async () => {
    const slow = await Promise.all([1, 2].map(() => raw(receiver.origin, head({ 'X-Osigu-Signature': `t=${now()},${garbage}` }, 1_000))));
    for (const delivery of slow) delivery.socket.write('{');
    await sleep(100);

    const third = await raw(receiver.origin, head({ 'X-Osigu-Signature': `t=${now()},${garbage}` }, 1_000));
    await closedWithin(third);
    expect(statusOf(third.received())).toBe(503);
    expect(third.received()).toContain('"error":"overloaded"');

    const { body, header, eventId } = signed();
    const other = await raw(receiver.origin, head({ 'X-Osigu-Signature': header, Connection: 'close' }, body.length), '127.0.0.2');
    other.socket.write(body);
    await closedWithin(other);
    expect(statusOf(other.received())).toBe(200);
    expect(started).toContain(eventId);

    await Promise.all(slow.map((delivery) => closedWithin(delivery)));
    const exposition = await scrape(receiver.origin);
    expect(valueOf(exposition, METRIC_NAMES.shed, { limit: 'body_reads_per_address' })).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.inFlight)).toBe(0);
  });
});

describe('TRUSTED_PROXIES', () => {
  it('behind a trusted proxy, X-Forwarded-For is the address that gets a share; from anyone else it is ignored', async () => {
    const trusting = await receiverWith({
      MAX_BODY_READS: '4',
      MAX_BODY_READS_PER_ADDRESS: '1',
      BODY_TIMEOUT_MS: '2000',
      TRUSTED_PROXIES: '127.0.0.1',
    });
    try {
      const hold = await raw(
        trusting.origin,
        head({ 'X-Osigu-Signature': `t=${now()},${garbage}`, 'X-Forwarded-For': '203.0.113.7' }, 1_000),
      );
      hold.socket.write('{');
      await sleep(100);
      // Same proxy, another client: its own share.
      const { body, header } = signed();
      const other = await raw(
        trusting.origin,
        head({ 'X-Osigu-Signature': header, 'X-Forwarded-For': '198.51.100.9', Connection: 'close' }, body.length),
      );
      other.socket.write(body);
      await closedWithin(other);
      expect(statusOf(other.received())).toBe(200);
      // Same client again through the proxy: its share is taken.
      const again = await raw(
        trusting.origin,
        head({ 'X-Osigu-Signature': `t=${now()},${garbage}`, 'X-Forwarded-For': '203.0.113.7' }, 1_000),
      );
      await closedWithin(again);
      expect(statusOf(again.received())).toBe(503);
      // From an untrusted peer, a forged header changes nothing: 127.0.0.2 is its address.
      const forged = await raw(
        trusting.origin,
        head({ 'X-Osigu-Signature': `t=${now()},${garbage}`, 'X-Forwarded-For': '198.51.100.10' }, 1_000),
        '127.0.0.2',
      );
      forged.socket.write('{');
      await sleep(100);
      const forgedAgain = await raw(
        trusting.origin,
        head({ 'X-Osigu-Signature': `t=${now()},${garbage}`, 'X-Forwarded-For': '198.51.100.11' }, 1_000),
        '127.0.0.2',
      );
      await closedWithin(forgedAgain);
      expect(statusOf(forgedAgain.received())).toBe(503);
      await Promise.all([hold, forged].map((delivery) => closedWithin(delivery)));
    } finally {
      await trusting.close(500);
    }
  });
});
