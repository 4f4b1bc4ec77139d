import pino from 'pino';
import { freePort } from '../../scripts/dev-server';
import { loadReceiverConfig } from '../../src/config';
import { startReceiver, type Receiver } from '../../src/http/server';
import { signatureHeader } from '../../src/osigu/signature';
import { fixtureEvent, TEST_SECRET } from '../support/delivery';
import { runsOf, startTestReceiver, TASK_QUEUE, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/*
 * Replay: a delivery captured on the wire (its exact bytes and its X-Osigu-Signature) and sent
 * again. Within the tolerance it is Osigu's own retry as far as anyone can tell, and it must be a
 * harmless duplicate; past the tolerance it must be refused. The receiver's clock is injected
 * (startReceiver's `now`), so the boundary is tested to the second without waiting; one test waits
 * on the real clock as well.
 */

const WEBHOOK_PATH = '/osigu/webhooks';
const TOLERANCE = 300;

const stack = useStack({ worker: true, client: true });

interface Captured {
  eventId: string;
  body: Buffer;
  signature: string;
}

/** A delivery as it was on the wire: the bytes and the header, signed at `signedAt` (seconds). */
function capture(type: string, signedAt: number): Captured {
  const event = fixtureEvent(type);
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  return { eventId: String(event.event_id), body, signature: signatureHeader(body, { secrets: TEST_SECRET, timestamp: signedAt }) };
}

async function replay(
  origin: string,
  { body, signature }: Captured,
  overrides: { body?: Buffer } = {},
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${origin}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-osigu-signature': signature },
    body: overrides.body ?? body,
  });
  return { status: response.status, json: await response.json() };
}

async function oneRun(eventId: string): Promise<void> {
  await stack.client.workflow.getHandle(eventId).result();
  expect(
    await waitFor(`the run of ${eventId} in visibility`, async () => {
      const runs = await runsOf(stack.client, eventId);
      return runs.length > 0 ? runs : undefined;
    }),
  ).toHaveLength(1);
}

describe('with an injected clock', () => {
  let receiver: Receiver;
  /** The receiver's clock, in whole seconds; tests move it. */
  let clock = 1_900_000_000;

  beforeAll(async () => {
    const config = loadReceiverConfig({
      OSIGU_WEBHOOK_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      OSIGU_ENVIRONMENT: 'sandbox',
      SIGNATURE_TOLERANCE_SECONDS: String(TOLERANCE),
    });
    receiver = await startReceiver(
      config,
      { connectionOptions: { address: stack.temporal.address }, namespace: 'default' },
      {
        logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
        now: () => new Date(clock * 1000),
      },
    );
  });

  afterAll(async () => {
    await receiver?.close(1_000);
  });

  it('replayed within the tolerance: 200 duplicate, one run; at the tolerance still; one second past: 401 timestamp_too_old', async () => {
    const signedAt = clock;
    const captured = capture('dispensing.completed', signedAt);
    const duplicate = { received: true, event_id: captured.eventId, duplicate: true };

    expect(await replay(receiver.origin, captured)).toEqual({
      status: 200,
      json: { received: true, event_id: captured.eventId, duplicate: false },
    });
    await oneRun(captured.eventId);

    // Immediately, then after the workflow completed, then at the last second of the tolerance.
    expect(await replay(receiver.origin, captured)).toEqual({ status: 200, json: duplicate });
    clock = signedAt + 60;
    expect(await replay(receiver.origin, captured)).toEqual({ status: 200, json: duplicate });
    clock = signedAt + TOLERANCE;
    expect(await replay(receiver.origin, captured)).toEqual({ status: 200, json: duplicate });

    clock = signedAt + TOLERANCE + 1;
    expect(await replay(receiver.origin, captured)).toEqual({
      status: 401,
      json: expect.objectContaining({ error: 'timestamp_too_old' }) as unknown,
    });
    clock = signedAt + 72 * 3600;
    expect(await replay(receiver.origin, captured)).toEqual({
      status: 401,
      json: expect.objectContaining({ error: 'timestamp_too_old' }) as unknown,
    });
    await oneRun(captured.eventId);
  });

  it('ten concurrent replays within the tolerance: every one 200, exactly one not a duplicate, one run', async () => {
    clock = 1_900_100_000;
    const captured = capture('authorization.created', clock - 5);
    const answers = await Promise.all(Array.from({ length: 10 }, () => replay(receiver.origin, captured)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((answer) => (answer.json as { duplicate: boolean }).duplicate === false)).toHaveLength(1);
    await oneRun(captured.eventId);
  });

  it('a captured delivery first seen after the tolerance starts nothing', async () => {
    clock = 1_900_200_000;
    const captured = capture('settlement.paid', clock - TOLERANCE - 1);
    expect(await replay(receiver.origin, captured)).toEqual({
      status: 401,
      json: expect.objectContaining({ error: 'timestamp_too_old' }) as unknown,
    });
    expect(await runsOf(stack.client, captured.eventId)).toEqual([]);
  });

  it('a receiver whose clock is behind the signer beyond the tolerance refuses it as from the future', async () => {
    clock = 1_900_300_000;
    const captured = capture('prescription.issued', clock + TOLERANCE + 1);
    expect(await replay(receiver.origin, captured)).toEqual({
      status: 401,
      json: expect.objectContaining({ error: 'timestamp_in_future' }) as unknown,
    });
  });

  it('the captured header on other bytes (an altered replay) is refused: signature_mismatch', async () => {
    clock = 1_900_400_000;
    const captured = capture('dispensing.started', clock);
    const altered = Buffer.from(captured.body.toString('utf8').replace('"dispensing.started"', '"dispensing.cancelled"'));
    expect(altered.equals(captured.body)).toBe(false);
    expect(await replay(receiver.origin, captured, { body: altered })).toEqual({
      status: 401,
      json: expect.objectContaining({ error: 'signature_mismatch' }) as unknown,
    });
    expect(await runsOf(stack.client, captured.eventId)).toEqual([]);
  });
});

describe('on the real clock, SIGNATURE_TOLERANCE_SECONDS=2', () => {
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startTestReceiver(stack.temporal.address, { SIGNATURE_TOLERANCE_SECONDS: '2' });
  });

  afterAll(async () => {
    await receiver?.close(1_000);
  });

  it('accepted, replayed at once as a duplicate, and refused 3 s later', async () => {
    const captured = capture('authorization.voided', Math.floor(Date.now() / 1000));
    expect((await replay(receiver.origin, captured)).status).toBe(200);
    expect(await replay(receiver.origin, captured)).toEqual({
      status: 200,
      json: { received: true, event_id: captured.eventId, duplicate: true },
    });
    // Whole seconds are compared: wait until the age is certainly over 2.
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect(await replay(receiver.origin, captured)).toEqual({
      status: 401,
      json: expect.objectContaining({ error: 'timestamp_too_old' }) as unknown,
    });
    await oneRun(captured.eventId);
  });
});
