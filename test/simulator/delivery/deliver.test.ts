import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { verifySignature } from '../../../src/osigu/signature';
import { freePort } from '../../../scripts/dev-server';
import { deliver } from '../../../simulator/delivery/deliver';
import { fromBytes, fromEvent, type OutgoingEvent } from '../../../simulator/delivery/outgoing-event';
import { OSIGU_RETRY_SCHEDULE, planAttempts } from '../../../simulator/delivery/retry-schedule';
import { runDeliveries } from '../../../simulator/delivery/run';
import { summarize } from '../../../simulator/delivery/report';
import { loadFixture } from '../../../simulator/events/fixtures';
import { generateEvent, generateEvents } from '../../../simulator/events/generate';
import { createRandom } from '../../../simulator/events/random';
import { FIXTURES_DIR, TEST_SECRET } from '../../support/delivery';
import {
  answerWith,
  eventIdOf,
  startRecordingReceiver,
  type Answer,
  type ReceivedRequest,
  type RecordingReceiver,
} from './recording-receiver';

const verify = (request: ReceivedRequest, body: Uint8Array = request.body, toleranceSeconds = 300) =>
  verifySignature(request.headers['x-osigu-signature'], body, { secrets: [TEST_SECRET], toleranceSeconds, now: new Date() });

/** 72 h of schedule in about a quarter of a second. */
const FAST = 1_000_000;
/** Two attempts close together: enough to see that a failure is retried. */
const TWO_ATTEMPTS = [0, 5];

let receiver: RecordingReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function receiverAnswering(answer: Answer): Promise<RecordingReceiver> {
  receiver = await startRecordingReceiver(answer);
  return receiver;
}

function anEvent(seed = 1): OutgoingEvent {
  return fromEvent(generateEvent(createRandom(seed), 'dispensing.completed'));
}

describe('the signature', () => {
  it('is what the receiver verifies, and what HMAC-SHA256 over "t.body" gives when computed independently', async () => {
    const { url, requests } = await receiverAnswering(answerWith(200));
    const event = anEvent();
    const record = await deliver(event, { url, secrets: TEST_SECRET });

    expect(record).toMatchObject({ eventId: event.eventId, outcome: 'delivered', attempts: [{ status: 200, ok: true }] });
    const [request] = requests as [ReceivedRequest];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body.equals(event.body)).toBe(true);
    expect(verify(request)).toMatchObject({ ok: true });

    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-osigu-signature'])) ?? [];
    const independent = createHmac('sha256', TEST_SECRET).update(`${t}.`, 'utf8').update(request.body).digest('hex');
    expect(v1).toBe(independent);
  });

  it('carries one v1 per secret during a rotation', async () => {
    const { url, requests } = await receiverAnswering(answerWith(200));
    await deliver(anEvent(), { url, secrets: ['whsec_old', 'whsec_new'] });
    const [request] = requests as [ReceivedRequest];
    for (const secret of ['whsec_old', 'whsec_new']) {
      expect(
        verifySignature(request.headers['x-osigu-signature'], request.body, { secrets: [secret], toleranceSeconds: 300, now: new Date() })
          .ok,
      ).toBe(true);
    }
  });

  it('refuses to deliver without a secret', async () => {
    await expect(deliver(anEvent(), { url: 'http://127.0.0.1:9/', secrets: [] })).rejects.toMatchObject({ code: 'secret_required' });
  });
});

describe("Osigu's retries", () => {
  it('after three 503s, the fourth attempt is acknowledged, each one at its time-scaled moment', async () => {
    const { url, requests } = await receiverAnswering((request, index, res) => answerWith(index < 3 ? 503 : 200)(request, index, res));
    const plan = planAttempts(OSIGU_RETRY_SCHEDULE, 36_000);
    const event = anEvent();
    const record = await deliver(event, { url, secrets: TEST_SECRET, plan });

    expect(record.outcome).toBe('delivered');
    expect(record.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 503, 200]);
    expect(requests).toHaveLength(4);
    for (const request of requests) {
      expect(request.body.equals(event.body)).toBe(true);
      expect(verify(request).ok).toBe(true); // re-signed with a fresh t each time
    }
    // Never earlier than planned, not even by the fraction of a millisecond a timer may come early.
    record.attempts.forEach((attempt, index) => expect(attempt.atMs).toBeGreaterThanOrEqual(plan[index] as number));
  });

  it('gives up at the horizon, after exactly the attempts the schedule predicts', async () => {
    const { url, requests } = await receiverAnswering(answerWith(500));
    const plan = planAttempts(OSIGU_RETRY_SCHEDULE, FAST);
    const record = await deliver(anEvent(), { url, secrets: TEST_SECRET, plan });

    expect(plan).toHaveLength(24);
    expect(record.outcome).toBe('abandoned');
    expect(record.attempts).toHaveLength(24);
    expect(requests).toHaveLength(24);
  });

  it('counts a timeout as a failure and retries it', async () => {
    const { url } = await receiverAnswering((request, index, res) => {
      if (index > 0) answerWith(200)(request, index, res); // the first one is never answered
    });
    const record = await deliver(anEvent(), { url, secrets: TEST_SECRET, plan: TWO_ATTEMPTS, timeoutMs: 200 });

    expect(record.outcome).toBe('delivered');
    expect(record.attempts[0]).toMatchObject({ ok: false, error: 'timeout' });
    expect(record.attempts[0]?.status).toBeUndefined();
    expect(record.attempts[1]).toMatchObject({ ok: true, status: 200 });
  });

  it('counts a refused connection as a failure and retries it', async () => {
    const url = `http://127.0.0.1:${await freePort()}/osigu/webhooks`;
    const record = await deliver(anEvent(), { url, secrets: TEST_SECRET, plan: TWO_ATTEMPTS });
    expect(record.outcome).toBe('abandoned');
    expect(record.attempts.map((attempt) => attempt.error)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('does not follow a redirect: a 3xx is a failure', async () => {
    const { url, origin, requests } = await receiverAnswering((request, index, res) => {
      if (request.path === '/osigu/webhooks') answerWith(307, { location: `${origin}/elsewhere` })(request, index, res);
      else answerWith(200)(request, index, res);
    });
    const record = await deliver(anEvent(), { url, secrets: TEST_SECRET, plan: TWO_ATTEMPTS });

    expect(record.outcome).toBe('abandoned');
    expect(record.attempts.map((attempt) => attempt.status)).toEqual([307, 307]);
    expect(requests.map((request) => request.path)).toEqual(['/osigu/webhooks', '/osigu/webhooks']);
  });

  it('retries a 4xx like any non-2xx by default, and stops at the first one with retryOn 5xx', async () => {
    const { url, requests } = await receiverAnswering(answerWith(401));
    expect(await deliver(anEvent(), { url, secrets: TEST_SECRET, plan: TWO_ATTEMPTS })).toMatchObject({
      outcome: 'abandoned',
      attempts: [{ status: 401 }, { status: 401 }],
    });
    expect(await deliver(anEvent(), { url, secrets: TEST_SECRET, plan: TWO_ATTEMPTS, retryOn: '5xx' })).toMatchObject({
      outcome: 'refused',
      attempts: [{ status: 401 }],
    });
    expect(requests).toHaveLength(3);
  });
});

describe('faults, as the receiver sees them', () => {
  const once = [0];

  it('wrongSecret: the signature does not verify with the endpoint secret', async () => {
    const { url, requests } = await receiverAnswering(answerWith(401));
    const event = anEvent();
    await deliver(event, { url, secrets: TEST_SECRET, plan: once, faults: { wrongSecret: true } });
    const [request] = requests as [ReceivedRequest];
    expect(request.body.equals(event.body)).toBe(true);
    expect(verify(request)).toMatchObject({ ok: false, code: 'signature_mismatch' });
  });

  it('staleTimestamp: signed correctly, but 600 s ago', async () => {
    const { url, requests } = await receiverAnswering(answerWith(401));
    await deliver(anEvent(), { url, secrets: TEST_SECRET, plan: once, faults: { staleTimestamp: true } });
    const [request] = requests as [ReceivedRequest];
    expect(verify(request)).toMatchObject({ ok: false, code: 'timestamp_too_old' });
    expect(verify(request, request.body, 3_600)).toMatchObject({ ok: true });
    const t = Number(/t=(\d+)/.exec(String(request.headers['x-osigu-signature']))?.[1]);
    const age = Math.floor(request.receivedAt.getTime() / 1000) - t;
    expect(age).toBeGreaterThanOrEqual(600);
    expect(age).toBeLessThan(660);
  });

  it('truncateBody: the whole body is signed, half of it arrives', async () => {
    const { url, requests } = await receiverAnswering(answerWith(401));
    const event = anEvent();
    await deliver(event, { url, secrets: TEST_SECRET, plan: once, faults: { truncateBody: true } });
    const [request] = requests as [ReceivedRequest];
    expect(request.body.equals(Buffer.from(event.body).subarray(0, Math.floor(event.body.length / 2)))).toBe(true);
    expect(verify(request)).toMatchObject({ ok: false, code: 'signature_mismatch' });
    expect(verify(request, event.body).ok).toBe(true);
  });

  it('alterBody: one bit of one byte differs from what was signed', async () => {
    const { url, requests } = await receiverAnswering(answerWith(401));
    const event = anEvent();
    await deliver(event, { url, secrets: TEST_SECRET, plan: once, faults: { alterBody: true } });
    const [request] = requests as [ReceivedRequest];
    expect(request.body).toHaveLength(event.body.length);
    const differences = [...request.body].map((byte, index) => byte ^ (event.body[index] as number)).filter((xor) => xor !== 0);
    expect(differences).toEqual([1]);
    expect(verify(request)).toMatchObject({ ok: false, code: 'signature_mismatch' });
    expect(verify(request, event.body).ok).toBe(true);
  });

  it('duplicates: the same event arrives n + 1 times, byte for byte', async () => {
    const { url, requests } = await receiverAnswering(answerWith(200));
    const event = anEvent();
    const result = await runDeliveries([[{ event }]], { url, secrets: TEST_SECRET, seed: 1, duplicates: 2 });

    expect(requests).toHaveLength(3);
    expect(requests.every((request) => request.body.equals(event.body) && eventIdOf(request) === event.eventId)).toBe(true);
    expect(summarize(result)).toMatchObject({ events: 1, deliveries: 3, delivered: 1 });
  });

  it('concurrentDuplicates: all copies are in flight at the same moment', async () => {
    // Answers nobody until all three copies are waiting: one after another, the first would time out.
    const held: ServerResponse[] = [];
    const { url, requests } = await receiverAnswering((_request, _index, res) => {
      held.push(res);
      if (held.length === 3) for (const waiting of held) waiting.writeHead(200).end('{}');
    });
    const event = anEvent();
    const result = await runDeliveries([[{ event }]], {
      url,
      secrets: TEST_SECRET,
      seed: 1,
      duplicates: 2,
      concurrentDuplicates: true,
      timeoutMs: 5_000,
      schedule: { ...OSIGU_RETRY_SCHEDULE, horizonSeconds: 0 },
    });

    expect(requests.map(eventIdOf)).toEqual([event.eventId, event.eventId, event.eventId]);
    expect(result.records.map((record) => record.attempts.length)).toEqual([1, 1, 1]);
    expect(summarize(result)).toMatchObject({ delivered: 1, abandoned: [] });
  });

  it('shuffle: a story arrives in the seeded order, the same for the same seed', async () => {
    const { url, requests } = await receiverAnswering(answerWith(200));
    const events = generateEvents(createRandom(2), 12).map(fromEvent);
    const ids = events.map((event) => event.eventId);

    await runDeliveries([events.map((event) => ({ event }))], { url, secrets: TEST_SECRET, seed: 5, concurrency: 1 });
    expect(requests.map(eventIdOf)).toEqual(ids);

    requests.length = 0;
    await runDeliveries([events.map((event) => ({ event }))], { url, secrets: TEST_SECRET, seed: 5, concurrency: 1, shuffle: true });
    const shuffled = createRandom(5).shuffle(ids);
    expect(shuffled).not.toEqual(ids);
    expect(requests.map(eventIdOf)).toEqual(shuffled);
  });
});

describe('bytes on the wire', () => {
  it("are a file's bytes exactly, multi-byte UTF-8 and formatting included", async () => {
    const { url, requests } = await receiverAnswering(answerWith(200));
    const body = Buffer.from(
      '{\n  "event_id": "evt_utf8_1",\n  "event_type": "prescription.issued",\n  "data": { "patient": "José Núñez — 東京 🚑" }\n}\n',
      'utf8',
    );
    expect(body.length).toBeGreaterThan(body.toString('utf8').length);
    const event = fromBytes(body, 'utf8.json');
    expect(event).toMatchObject({ eventId: 'evt_utf8_1', eventType: 'prescription.issued' });

    await deliver(event, { url, secrets: TEST_SECRET });
    expect(requests[0]?.body.equals(body)).toBe(true);
    expect(verify(requests[0] as ReceivedRequest).ok).toBe(true);
  });

  it("are a fixture file's bytes exactly", async () => {
    const { url, requests } = await receiverAnswering(answerWith(200));
    const fixture = loadFixture('prescription.issued'); // "López": multi-byte
    await deliver({ eventId: fixture.event.event_id, eventType: fixture.type, body: fixture.bytes }, { url, secrets: TEST_SECRET });
    expect(requests[0]?.body.equals(readFileSync(path.join(FIXTURES_DIR, 'prescription.issued.json')))).toBe(true);
  });

  it('stay untouched even when they are not JSON, so a broken body can be sent on purpose', async () => {
    const { url, requests } = await receiverAnswering(answerWith(400));
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const event = fromBytes(body, 'broken.json');
    expect(event).toMatchObject({ eventId: 'broken.json', eventType: 'unknown' });
    await deliver(event, { url, secrets: TEST_SECRET, plan: [0] });
    expect(requests[0]?.body.equals(body)).toBe(true);
  });
});

describe('a run of many events', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    const { url, inFlight } = await receiverAnswering((request, index, res) => {
      setTimeout(() => answerWith(200)(request, index, res), 20);
    });
    const lanes = generateEvents(createRandom(4), 24).map((event) => [{ event: fromEvent(event) }]);
    const result = await runDeliveries(lanes, { url, secrets: TEST_SECRET, seed: 4, concurrency: 3 });
    expect(inFlight.max).toBeLessThanOrEqual(3);
    expect(summarize(result)).toMatchObject({ events: 24, delivered: 24 });
  });
});
