import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Receiver } from '../../src/http/server';
import { computeSignature, signatureHeader } from '../../src/osigu/signature';
import type { EventWorkflowInput } from '../../src/workflows/event-input';
import { deliver, fixtureEvent, TEST_SECRET, uniqueEventId } from '../support/delivery';
import { startTestReceiver, useStack } from '../support/stack';

/*
 * Hostile and malformed traffic against the real receiver, a real worker and a real Temporal dev
 * server. Raw sockets where fetch would normalise what is being tested (repeated header lines,
 * raw header bytes, lying Content-Length, slow clients).
 */

const BODY_LIMIT = 4096;
const WEBHOOK_PATH = '/osigu/webhooks';
/** Every status this receiver may ever answer; anything else (500 above all) is a bug. */
const ALLOWED_STATUSES = [200, 400, 401, 404, 405, 408, 413, 415, 431, 503];

const stack = useStack({
  worker: true,
  receiver: true,
  receiverEnv: { WEBHOOK_BODY_LIMIT: String(BODY_LIMIT), REQUEST_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '1000' },
  receiverCloseGraceMs: 1_000,
  client: true,
});
let url: string;
let port: number;
/** Every status seen in this file, checked once more at the end. */
const seen: number[] = [];

beforeAll(() => {
  url = `${stack.receiver.origin}${WEBHOOK_PATH}`;
  port = Number(new URL(stack.receiver.origin).port);
});

function expectAllowed(status: number | undefined): void {
  if (status !== undefined) seen.push(status);
  expect(ALLOWED_STATUSES).toContain(status);
}

const now = (): number => Math.floor(Date.now() / 1000);

/** A signed fixture event, as a string and its bytes. */
function signedEvent(type: string, overrides: Record<string, unknown> = {}): { eventId: string; body: string; header: string } {
  const event = fixtureEvent(type, overrides);
  const body = JSON.stringify(event);
  return { eventId: String(event.event_id), body, header: signatureHeader(body, { secrets: TEST_SECRET, timestamp: now() }) };
}

/** A valid event whose UTF-8 encoding is exactly `size` bytes. */
function eventOfSize(size: number): { eventId: string; body: string } {
  const eventId = uniqueEventId();
  const make = (padding: string): string =>
    JSON.stringify({
      event_id: eventId,
      event_type: 'dispensing.started',
      created_at: new Date().toISOString(),
      data: { dispensation_id: `dsp_${eventId}` },
      padding,
    });
  const body = make('x'.repeat(size - Buffer.byteLength(make(''))));
  expect(Buffer.byteLength(body)).toBe(size);
  return { eventId, body };
}

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

async function expectWorkflowCompleted(workflowId: string): Promise<void> {
  expect(await stack.client.workflow.getHandle(workflowId).result()).toMatchObject({ eventId: workflowId });
}

async function fetchStatus(response: Promise<Response>): Promise<{ status: number; body: unknown }> {
  const answer = await response;
  const text = await answer.text();
  expectAllowed(answer.status);
  return { status: answer.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

/** node:http, for what fetch cannot express (repeated header lines, chunked bodies). */
async function httpPost(headers: http.OutgoingHttpHeaders, chunks: (string | Buffer)[]): Promise<HttpAnswer> {
  const request = http.request({ host: '127.0.0.1', port, path: WEBHOOK_PATH, method: 'POST', headers, agent: false });
  const answered = once(request, 'response') as Promise<[http.IncomingMessage]>;
  for (const chunk of chunks) request.write(chunk);
  request.end();
  const [response] = await answered;
  const parts: Buffer[] = [];
  for await (const part of response) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  expectAllowed(response.statusCode);
  return { status: response.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

interface RawConnection {
  socket: net.Socket;
  /** Resolves when the socket is fully closed, by either side. */
  closed: Promise<void>;
  isClosed: () => boolean;
  received: () => string;
  /** The status codes of every response received so far, in order. */
  statuses: () => number[];
}

/**
 * A raw TCP connection to the receiver. `allowHalfOpen` keeps our side writable after the server
 * half-closes, as a hostile client that ignores the server's FIN would.
 */
async function connectRaw({ allowHalfOpen = false } = {}): Promise<RawConnection> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // EPIPE / ECONNRESET are expected outcomes here, not test failures.
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const received = (): string => Buffer.concat(chunks).toString('latin1');
  return {
    socket,
    closed: closedPromise,
    isClosed: () => closed,
    received,
    statuses: () => [...received().matchAll(/(?:^|\r\n)HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1])),
  };
}

/** Writes `bytes` one at a time, `everyMs` apart, until done or the server has cut us off. */
async function trickle(connection: RawConnection, bytes: Buffer, everyMs: number): Promise<number> {
  for (let i = 0; i < bytes.length; i += 1) {
    if (connection.isClosed() || connection.socket.destroyed || connection.received() !== '') return i;
    connection.socket.write(bytes.subarray(i, i + 1));
    await sleep(everyMs);
  }
  return bytes.length;
}

/** One complete request as raw bytes, with `Connection: close`. `headers` are written as given, one line each. */
function rawRequest(headers: [string, string | Buffer][], body: Buffer | string = ''): Buffer {
  const lines: Buffer[] = [Buffer.from(`POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`)];
  for (const [name, value] of headers) lines.push(Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n'));
  lines.push(Buffer.from('\r\n'), Buffer.from(body));
  return Buffer.concat(lines);
}

/**
 * Sends one whole request and returns the one status answered. The request must carry
 * `Connection: close`: the server closes after answering. (Half-closing our side instead would make
 * Node abort the request before a slow answer such as a workflow start could be written.)
 */
async function rawExchange(request: Buffer): Promise<{ status: number | undefined; text: string }> {
  const connection = await connectRaw();
  connection.socket.write(request);
  await connection.closed;
  const statuses = connection.statuses();
  expect(statuses.length).toBeLessThanOrEqual(1);
  const status = statuses[0];
  expectAllowed(status);
  return { status, text: connection.received() };
}

function jsonError(text: string): unknown {
  const start = text.indexOf('\r\n\r\n');
  return JSON.parse(text.slice(start + 4)) as unknown;
}

describe('repeated X-Osigu-Signature header lines', () => {
  it('a valid line and a garbage line (no "="): 401 signature_malformed, in either order (pinned)', async () => {
    for (const order of ['valid first', 'garbage first']) {
      const { eventId, body, header } = signedEvent('authorization.created');
      const lines = order === 'valid first' ? [header, 'garbage'] : ['garbage', header];
      const answer = await httpPost({ 'content-type': 'application/json', 'x-osigu-signature': lines }, [body]);
      expect(answer).toEqual({ status: 401, body: expect.objectContaining({ error: 'signature_malformed' }) as unknown });
      await expectNoWorkflow(eventId);
    }
  });

  it('a valid line and a line with a different t: 401 signature_malformed', async () => {
    const { eventId, body, header } = signedEvent('authorization.created');
    const other = `t=${now() - 10},v1=${computeSignature(body, TEST_SECRET, now() - 10)}`;
    const answer = await httpPost({ 'x-osigu-signature': [header, other] }, [body]);
    expect(answer).toEqual({ status: 401, body: expect.objectContaining({ error: 'signature_malformed' }) as unknown });
    await expectNoWorkflow(eventId);
  });

  it('two lines with the identical t, only one carrying a valid v1: accepted', async () => {
    const { eventId, body } = signedEvent('authorization.created');
    const t = now();
    const lines = [`t=${t},v1=${'0'.repeat(64)}`, `t=${t},v1=${computeSignature(body, TEST_SECRET, t)}`];
    const answer = await httpPost({ 'x-osigu-signature': lines }, [body]);
    expect(answer).toEqual({ status: 200, body: { received: true, event_id: eventId, duplicate: false } });
    await expectWorkflowCompleted(eventId);
  });

  it('t on one line and the valid v1 alone on another: accepted (both forms are one list)', async () => {
    const { eventId, body } = signedEvent('authorization.created');
    const t = now();
    const answer = await httpPost({ 'x-osigu-signature': [`t=${t}`, `v1=${computeSignature(body, TEST_SECRET, t)}`] }, [body]);
    expect(answer.status).toBe(200);
    await expectWorkflowCompleted(eventId);
  });
});

describe('one header with many entries', () => {
  it('200 v1 entries of which only the last is valid: accepted', async () => {
    const { eventId, body } = signedEvent('dispensing.started');
    const t = now();
    const decoys = Array.from({ length: 199 }, (_, i) => `v1=${i.toString(16).padStart(64, 'a')}`);
    const header = [`t=${t}`, ...decoys, `v1=${computeSignature(body, TEST_SECRET, t)}`].join(',');
    const { status } = await fetchStatus(fetch(url, { method: 'POST', headers: { 'x-osigu-signature': header }, body }));
    expect(status).toBe(200);
    await expectWorkflowCompleted(eventId);
  });

  it('200 v1 entries none of which is valid: 401 signature_mismatch', async () => {
    const { eventId, body } = signedEvent('dispensing.started');
    const decoys = Array.from({ length: 200 }, (_, i) => `v1=${i.toString(16).padStart(64, 'b')}`);
    const answer = await fetchStatus(
      fetch(url, { method: 'POST', headers: { 'x-osigu-signature': [`t=${now()}`, ...decoys].join(',') }, body }),
    );
    expect(answer).toEqual({ status: 401, body: expect.objectContaining({ error: 'signature_mismatch' }) as unknown });
    await expectNoWorkflow(eventId);
  });

  it('headers larger than Node accepts (a 20 KB signature): refused with 431, the connection closed', async () => {
    const { eventId, body } = signedEvent('dispensing.started');
    const header = `t=${now()},${'v1=x,'.repeat(4_000)}`;
    const { status } = await rawExchange(
      rawRequest(
        [
          ['X-Osigu-Signature', header],
          ['Content-Length', String(Buffer.byteLength(body))],
        ],
        body,
      ),
    );
    expect(status).toBe(431);
    await expectNoWorkflow(eventId);
  });
});

describe('multi-byte characters in the signature header (sent as raw UTF-8 bytes)', () => {
  const cases: [string, (body: string, t: number) => string, string][] = [
    ['a v1 of 64 characters, some multi-byte', (_body, t) => `t=${t},v1=${'é'.repeat(32)}${'a'.repeat(32)}`, 'signature_mismatch'],
    [
      'a v1 that is a valid digest with one hex digit replaced by é',
      (body, t) => `t=${t},v1=é${computeSignature(body, TEST_SECRET, t).slice(1)}`,
      'signature_mismatch',
    ],
    ['a t in Arabic-Indic digits', (body, t) => `t=١٧٦٧٢٢٥٦٠٠,v1=${computeSignature(body, TEST_SECRET, t)}`, 'signature_malformed'],
    ['a key spelled with a multi-byte t', (body, t) => `ｔ=${t},v1=${computeSignature(body, TEST_SECRET, t)}`, 'signature_malformed'],
    ['only emoji', () => '🩺💉🏥', 'signature_malformed'],
  ];

  it.each(cases)('%s: 401, never 500', async (_label, makeHeader, code) => {
    const { eventId, body } = signedEvent('authorization.created');
    const header = Buffer.from(makeHeader(body, now()), 'utf8');
    const { status, text } = await rawExchange(
      rawRequest(
        [
          ['Content-Type', 'application/json'],
          ['X-Osigu-Signature', header],
          ['Content-Length', String(Buffer.byteLength(body))],
        ],
        body,
      ),
    );
    expect(status).toBe(401);
    expect(jsonError(text)).toMatchObject({ error: code });
    await expectNoWorkflow(eventId);
  });

  it('a valid signature beside a multi-byte v1: accepted (unusable v1 values are skipped, as Stripe does)', async () => {
    const { eventId, body, header } = signedEvent('authorization.created');
    const { status } = await rawExchange(
      rawRequest(
        [
          ['X-Osigu-Signature', Buffer.from(`${header},v1=José`, 'utf8')],
          ['Content-Length', String(Buffer.byteLength(body))],
        ],
        body,
      ),
    );
    expect(status).toBe(200);
    await expectWorkflowCompleted(eventId);
  });
});

describe('a body with multi-byte UTF-8', () => {
  it('is verified over its bytes, accepted, and reaches the workflow with every character intact', async () => {
    const composed = 'Jos\u00e9 N\u00fa\u00f1ez';
    const decomposed = 'Jose\u0301 Nu\u0301n\u0303ez';
    const note = 'Receta para ma\u00f1ana \u{1F489}\u{1F3E5} \u4e2d\u6587 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const event = fixtureEvent('prescription.issued');
    const data = {
      ...(event.data as Record<string, unknown>),
      patient_name: composed,
      patient_name_nfd: decomposed,
      note,
      [composed]: 'as a key',
    };
    const sent: Record<string, unknown> = { ...event, data };
    const body = JSON.stringify(sent);
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length); // really multi-byte on the wire

    const { status } = await fetchStatus(deliver(url, Buffer.from(body, 'utf8')));
    expect(status).toBe(200);

    const eventId = String(sent.event_id);
    const handle = stack.client.workflow.getHandle(eventId);
    await handle.result();
    const history = await handle.fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload?.data) throw new Error('the workflow has no input payload');
    const input = defaultPayloadConverter.fromPayload<EventWorkflowInput>(payload);
    expect(input.event).toEqual(sent);
    expect(input.event.data.patient_name).toBe(composed);
    expect(input.event.data.patient_name_nfd).toBe(decomposed);
    expect(input.event.data.note).toBe(note);
    // Neither normalised nor escaped in the stored bytes.
    const stored = Buffer.from(payload.data);
    for (const text of [composed, decomposed, note]) expect(stored.includes(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('signed over a different encoding of the same text (NFD instead of NFC): 401 signature_mismatch', async () => {
    const event = fixtureEvent('prescription.issued', { note: 'Jos\u00e9' });
    const signedBody = JSON.stringify(event);
    const sentBody = signedBody.replace('Jos\u00e9', 'Jose\u0301');
    const header = signatureHeader(signedBody, { secrets: TEST_SECRET, timestamp: now() });
    const answer = await fetchStatus(fetch(url, { method: 'POST', headers: { 'x-osigu-signature': header }, body: sentBody }));
    expect(answer).toEqual({ status: 401, body: expect.objectContaining({ error: 'signature_mismatch' }) as unknown });
    await expectNoWorkflow(String(event.event_id));
  });
});

describe('chunked bodies (Transfer-Encoding: chunked, no Content-Length)', () => {
  it('under the limit, in many small chunks: accepted', async () => {
    const { eventId, body, header } = signedEvent('settlement.paid');
    const bytes = Buffer.from(body, 'utf8');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 97) }, (_, i) => bytes.subarray(i * 97, (i + 1) * 97));
    const answer = await httpPost({ 'x-osigu-signature': header, 'transfer-encoding': 'chunked' }, chunks);
    expect(answer).toEqual({ status: 200, body: { received: true, event_id: eventId, duplicate: false } });
    await expectWorkflowCompleted(eventId);
  });

  it('at exactly the limit: accepted', async () => {
    const { eventId, body } = eventOfSize(BODY_LIMIT);
    const bytes = Buffer.from(body);
    const header = signatureHeader(body, { secrets: TEST_SECRET, timestamp: now() });
    const answer = await httpPost({ 'x-osigu-signature': header, 'transfer-encoding': 'chunked' }, [
      bytes.subarray(0, 1000),
      bytes.subarray(1000),
    ]);
    expect(answer.status).toBe(200);
    await expectWorkflowCompleted(eventId);
  });

  it('over the limit: 413 body_too_large and no workflow', async () => {
    const { eventId, body } = eventOfSize(BODY_LIMIT + 1);
    const bytes = Buffer.from(body);
    const header = signatureHeader(body, { secrets: TEST_SECRET, timestamp: now() });
    const connection = await connectRaw();
    const head = rawRequest([
      ['X-Osigu-Signature', header],
      ['Transfer-Encoding', 'chunked'],
    ]);
    const chunk = (part: Buffer): Buffer => Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
    connection.socket.write(Buffer.concat([head, chunk(bytes.subarray(0, 2048)), chunk(bytes.subarray(2048)), Buffer.from('0\r\n\r\n')]));
    await connection.closed;
    expect(connection.statuses()).toEqual([413]);
    expectAllowed(413);
    expect(jsonError(connection.received())).toMatchObject({ error: 'body_too_large' });
    await expectNoWorkflow(eventId);
  });
});

describe('the body limit with Content-Length', () => {
  it('a body of exactly the limit (4096 bytes) is accepted', async () => {
    const { eventId, body } = eventOfSize(BODY_LIMIT);
    const { status } = await fetchStatus(deliver(url, body));
    expect(status).toBe(200);
    await expectWorkflowCompleted(eventId);
  });

  it('one byte more is refused with 413 body_too_large, and no workflow', async () => {
    const { eventId, body } = eventOfSize(BODY_LIMIT + 1);
    const answer = await fetchStatus(deliver(url, body));
    expect(answer).toEqual({ status: 413, body: expect.objectContaining({ error: 'body_too_large' }) as unknown });
    await expectNoWorkflow(eventId);
  });
});

describe('framing that lies', () => {
  it('Content-Length larger than the bytes sent, then the client ends: 400 from the HTTP parser, no workflow', async () => {
    const { eventId, body, header } = signedEvent('authorization.created');
    const connection = await connectRaw();
    connection.socket.end(
      rawRequest(
        [
          ['X-Osigu-Signature', header],
          ['Content-Length', String(Buffer.byteLength(body) + 50)],
        ],
        body,
      ),
    );
    await connection.closed;
    const statuses = connection.statuses();
    for (const status of statuses) expectAllowed(status);
    // Pinned: Node's parser sees EOF inside the body and the clientError handler answers 400.
    expect(statuses).toEqual([400]);
    await expectNoWorkflow(eventId);
  });

  it('Content-Length larger than the bytes sent, then the client vanishes: no answer, no workflow', async () => {
    const { eventId, body, header } = signedEvent('authorization.created');
    const connection = await connectRaw();
    connection.socket.write(
      rawRequest(
        [
          ['X-Osigu-Signature', header],
          ['Content-Length', String(Buffer.byteLength(body) + 50)],
        ],
        body,
      ),
    );
    // Let the server take in what was sent, then reset the connection.
    await sleep(200);
    connection.socket.resetAndDestroy();
    await connection.closed;
    expect(connection.statuses().filter((status) => status === 200)).toEqual([]);
    await expectNoWorkflow(eventId);
  });

  it('Content-Length and Transfer-Encoding together (smuggling shape): 400 and no workflow', async () => {
    const { eventId, body, header } = signedEvent('authorization.created');
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const { status } = await rawExchange(
      rawRequest(
        [
          ['X-Osigu-Signature', header],
          ['Content-Length', String(Buffer.byteLength(body))],
          ['Transfer-Encoding', 'chunked'],
        ],
        chunked,
      ),
    );
    expect(status).toBe(400);
    await expectNoWorkflow(eventId);
  });

  it('two different Content-Length lines: 400 and no workflow', async () => {
    const { eventId, body, header } = signedEvent('authorization.created');
    const length = Buffer.byteLength(body);
    const { status } = await rawExchange(
      rawRequest(
        [
          ['X-Osigu-Signature', header],
          ['Content-Length', String(length)],
          ['Content-Length', String(length + 1)],
        ],
        body,
      ),
    );
    expect(status).toBe(400);
    await expectNoWorkflow(eventId);
  });
});

describe('slow clients (REQUEST_TIMEOUT_MS=2000, HEADERS_TIMEOUT_MS=1000)', () => {
  /**
   * A signed delivery whose body, trickled at 100 ms a byte, would take 40 s: far past both
   * timeouts, so a server that does not cut the client off lets it complete, and the test fails on
   * the workflow it then finds, not on a clock.
   */
  function slowDelivery(): { eventId: string; head: Buffer; body: Buffer } {
    const { eventId, body } = eventOfSize(400);
    const header = signatureHeader(body, { secrets: TEST_SECRET, timestamp: now() });
    return {
      eventId,
      head: rawRequest([
        ['X-Osigu-Signature', header],
        ['Content-Length', '400'],
      ]),
      body: Buffer.from(body),
    };
  }

  /**
   * After a late request was sent: wait until the server closes the connection or the workflow
   * appears, whichever is first (bounded), so that the check that follows sees any late start.
   */
  async function settled(connection: RawConnection, eventId: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!connection.isClosed() && Date.now() < deadline) {
      const found = await stack.client.workflow
        .getHandle(eventId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (found) break;
      await sleep(100);
    }
    connection.socket.destroy();
  }

  it('headers sent, body trickled: the server cuts the connection off and no workflow exists', async () => {
    const { eventId, head, body } = slowDelivery();
    const connection = await connectRaw();
    connection.socket.write(head);
    const written = await trickle(connection, body, 100);
    expect(written).toBeLessThan(body.length);
    await connection.closed;
    for (const status of connection.statuses()) {
      expectAllowed(status);
      expect(status).not.toBe(200);
    }
    await expectNoWorkflow(eventId);
  });

  // Node's own mapping: a timeout is 408, not a generic 400.
  it('a slow body is answered 408 Request Timeout', async () => {
    const { head, body } = slowDelivery();
    const connection = await connectRaw();
    connection.socket.write(head);
    await trickle(connection, body, 100);
    await connection.closed;
    expect(connection.statuses()).toEqual([408]);
  });

  // A client cut off must not finish its request on the same socket: the server destroys it.
  it('a client that ignores the cut-off and then finishes its body gets no workflow', async () => {
    const { eventId, head, body } = slowDelivery();
    const connection = await connectRaw({ allowHalfOpen: true });
    connection.socket.write(head);
    const written = await trickle(connection, body, 100);
    expect(written).toBeLessThan(body.length);
    expect(connection.statuses()).not.toContain(200);
    // The server said no; send the rest at once, as a client that never reads would.
    connection.socket.write(body.subarray(written));
    await settled(connection, eventId);
    await expectNoWorkflow(eventId);
  });

  // A slowloris that keeps writing after its answer still loses the connection.
  it('after cutting a slow client off, the server closes the connection even if the client keeps writing', async () => {
    const { head, body } = slowDelivery();
    const connection = await connectRaw({ allowHalfOpen: true });
    connection.socket.write(head);
    const written = await trickle(connection, body, 100);
    expect(connection.statuses()).not.toContain(200);
    for (let i = 0; i < 50 && !connection.isClosed(); i += 1) {
      connection.socket.write(body.subarray(written, written + 1));
      await sleep(100);
    }
    const closed = connection.isClosed();
    connection.socket.destroy();
    expect(closed).toBe(true);
  });

  it('headers that never finish: the server cuts the connection off', async () => {
    const connection = await connectRaw();
    connection.socket.write(`POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    const written = await trickle(connection, Buffer.from(`X-Slow: ${'a'.repeat(400)}`), 100);
    expect(written).toBeLessThan(400);
    await connection.closed;
    for (const status of connection.statuses()) {
      expectAllowed(status);
      expect(status).not.toBe(200);
    }
  });

  it('headers that never finish are answered 408 Request Timeout', async () => {
    const connection = await connectRaw();
    connection.socket.write(`POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    await trickle(connection, Buffer.from(`X-Slow: ${'a'.repeat(400)}`), 100);
    await connection.closed;
    expect(connection.statuses()).toEqual([408]);
  });

  // The header phase, likewise.
  it('a client that ignores the header cut-off and then sends the rest of its request gets no workflow', async () => {
    const { eventId, head, body } = slowDelivery();
    const request = Buffer.concat([head, body]);
    const connection = await connectRaw({ allowHalfOpen: true });
    const written = await trickle(connection, request, 100);
    expect(written).toBeLessThan(head.length);
    connection.socket.write(request.subarray(written));
    await settled(connection, eventId);
    await expectNoWorkflow(eventId);
  });

  it('a connection that sends nothing at all is closed by the server', async () => {
    const connection = await connectRaw();
    await Promise.race([connection.closed, sleep(15_000)]);
    expect(connection.isClosed()).toBe(true);
    for (const status of connection.statuses()) expectAllowed(status);
  });
});

describe('a signed body nested deeper than the Temporal payload converter can serialise', () => {
  // A second receiver with the default 1 MiB limit: 10,000 levels do not fit in 4096 bytes.
  let roomy: Receiver;

  beforeAll(async () => {
    roomy = await startTestReceiver(stack.temporal.address);
  });

  afterAll(async () => {
    await roomy?.close(1_000);
  });

  function deepDelivery(): { eventId: string; body: string } {
    const event = fixtureEvent('settlement.paid');
    const body = JSON.stringify(event).replace('"data":{', `"data":{"deep":${'['.repeat(10_000)}${']'.repeat(10_000)},`);
    return { eventId: String(event.event_id), body };
  }

  it('is answered with an allowed status, never 500, starts no workflow, and the receiver stays ready', async () => {
    const { eventId, body } = deepDelivery();
    const { status } = await fetchStatus(deliver(`${roomy.origin}${WEBHOOK_PATH}`, body));
    expect(status).not.toBe(200);
    await expectNoWorkflow(eventId);
    expect((await fetch(`${roomy.origin}/readyz`)).status).toBe(200);
  });

  // Temporal's JSON encoder overflows its stack on deep nesting; refusing it up front makes it a
  // permanent 400 instead of a 503 that Osigu would retry for 72 h.
  it('is refused for good with 400 invalid_envelope, not 503 temporal_unavailable', async () => {
    const { body } = deepDelivery();
    const answer = await fetchStatus(deliver(`${roomy.origin}${WEBHOOK_PATH}`, body));
    expect(answer).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_envelope' }) as unknown });
  });
});

describe('many idle keep-alive connections', () => {
  it('50 of them, each after one request, do not stop a normal delivery', async () => {
    const idle = await Promise.all(Array.from({ length: 50 }, () => connectRaw()));
    try {
      for (const connection of idle) connection.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await Promise.all(
        idle.map(async (connection) => {
          while (!connection.received().includes('"status":"ok"')) await once(connection.socket, 'data');
        }),
      );
      expect(idle.map((connection) => connection.statuses())).toEqual(Array(50).fill([200]));
      expect(idle.filter((connection) => connection.isClosed())).toHaveLength(0);

      const { eventId, body } = signedEvent('dispensing.completed');
      const { status } = await fetchStatus(deliver(url, body));
      expect(status).toBe(200);
      await expectWorkflowCompleted(eventId);
    } finally {
      for (const connection of idle) connection.socket.destroy();
    }
  });
});

describe('the receiver after all of the above', () => {
  it('is alive, ready, and every answer it gave was an allowed status', async () => {
    const health = await fetch(`${stack.receiver.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${stack.receiver.origin}/readyz`)).status).toBe(200);
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((status) => !ALLOWED_STATUSES.includes(status))).toEqual([]);
  });
});
