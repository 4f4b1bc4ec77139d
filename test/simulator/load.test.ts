import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseEnvelope } from '../../src/osigu/envelope';
import { verifySignature } from '../../src/osigu/signature';
import { LoadError, registerLoadCommand, runLoad, type LoadReport } from '../../simulator/commands/load';
import { TEST_SECRET } from '../support/delivery';

/** A receiver that checks what a real one checks and says what it answered to which event. */
interface CountingReceiver {
  url: string;
  received: number;
  badSignatures: number;
  eventIds: string[];
  eventTypes: string[];
  answered: Map<string, number>;
  statusCounts: Record<string, number>;
  close(): Promise<void>;
}

async function startReceiver(answer: (arrival: number) => number): Promise<CountingReceiver> {
  const receiver: Omit<CountingReceiver, 'url' | 'close'> = {
    received: 0,
    badSignatures: 0,
    eventIds: [],
    eventTypes: [],
    answered: new Map(),
    statusCounts: {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.received += 1;
      const body = Buffer.concat(chunks);
      const signature = verifySignature(req.headers['x-osigu-signature'], body, {
        secrets: [TEST_SECRET],
        toleranceSeconds: 300,
        now: new Date(),
      });
      const envelope = parseEnvelope(body);
      let status: number;
      if (!signature.ok || !envelope.ok) {
        receiver.badSignatures += 1;
        status = 401;
      } else {
        receiver.eventIds.push(envelope.event.event_id);
        receiver.eventTypes.push(envelope.event.event_type);
        status = answer(receiver.received);
        receiver.answered.set(envelope.event.event_id, status);
      }
      receiver.statusCounts[String(status)] = (receiver.statusCounts[String(status)] ?? 0) + 1;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/osigu/webhooks`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

// Every fourth event is refused as a receiver with Temporal down would refuse it.
const SOME_503 = (arrival: number): number => (arrival % 4 === 0 ? 503 : 200);

describe('runLoad', () => {
  let receiver: CountingReceiver;
  afterEach(() => receiver?.close());

  it('sends --count distinct, correctly signed events and reports what the receiver answered', async () => {
    receiver = await startReceiver(SOME_503);
    const report = await runLoad({ url: receiver.url, secrets: TEST_SECRET, count: 60, connections: 5 });

    expect(receiver.received).toBe(60);
    expect(receiver.badSignatures).toBe(0);
    expect(new Set(receiver.eventIds).size).toBe(60);
    expect(receiver.eventIds.every((id) => id.startsWith(report.eventIdPrefix))).toBe(true);

    expect(report).toMatchObject({ sent: 60, answered: 60, errors: 0, timeouts: 0, connections: 5 });
    expect(report.status.byCode).toEqual(receiver.statusCounts);
    expect(report.status['2xx']).toBe(receiver.statusCounts['200']);
    expect(report.status['5xx']).toBe(receiver.statusCounts['503']);
    expect(report.status['5xx']).toBe(15);

    const acknowledgedByReceiver = [...receiver.answered].filter(([, status]) => status === 200).map(([id]) => id);
    expect(report.acknowledged.count).toBe(45);
    expect([...report.acknowledged.eventIds].sort()).toEqual(acknowledgedByReceiver.sort());
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p50);
  });

  it('keeps to an overall rate and takes several event types from the fixtures, in turn', async () => {
    receiver = await startReceiver(() => 200);
    const report = await runLoad({
      url: receiver.url,
      secrets: [TEST_SECRET, 'whsec_another_secret'],
      eventTypes: ['authorization.created', 'dispensing.completed', 'settlement.paid'],
      count: 30,
      rate: 200,
      connections: 3,
    });
    expect(receiver.badSignatures).toBe(0);
    expect(new Set(receiver.eventIds).size).toBe(30);
    expect(receiver.eventTypes.filter((type) => type === 'dispensing.completed')).toHaveLength(10);
    expect(report.acknowledged.count).toBe(30);
    expect(report.status.byCode).toEqual({ '200': 30 });
  });

  it('runs for a duration when no count is given', async () => {
    receiver = await startReceiver(() => 200);
    const report = await runLoad({ url: receiver.url, secrets: TEST_SECRET, durationSeconds: 1, rate: 20, connections: 2 });
    // Requests still in flight when time is up are sent but never answered.
    expect(report.sent).toBeGreaterThanOrEqual(report.answered);
    expect(report.answered).toBeGreaterThan(0);
    expect(receiver.badSignatures).toBe(0);
    expect(new Set(receiver.eventIds).size).toBe(receiver.eventIds.length);
    expect(report.acknowledged.count).toBe(report.status['2xx']);
  });

  it('uses the built-in authorization.created template without fixtures, and says which fixture is missing otherwise', async () => {
    receiver = await startReceiver(() => 200);
    const empty = mkdtempSync(path.join(tmpdir(), 'no-fixtures-'));
    try {
      const report = await runLoad({ url: receiver.url, secrets: TEST_SECRET, count: 3, connections: 1, fixturesDir: empty });
      expect(report.acknowledged.count).toBe(3);
      await expect(
        runLoad({ url: receiver.url, secrets: TEST_SECRET, count: 3, eventTypes: ['dispensing.completed'], fixturesDir: empty }),
      ).rejects.toMatchObject({
        code: 'fixture_missing',
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('counts a receiver that is not there as connection errors, with nothing acknowledged', async () => {
    receiver = await startReceiver(() => 200);
    const url = receiver.url;
    await receiver.close();
    const report = await runLoad({ url, secrets: TEST_SECRET, durationSeconds: 1, connections: 1, rate: 5 });
    expect(report.answered).toBe(0);
    expect(report.errors).toBeGreaterThan(0);
    expect(report.acknowledged.count).toBe(0);
  });

  it.each([
    [{ count: 0 }, 'count'],
    [{ rate: 0.5 }, 'rate'],
    [{ eventTypes: ['../../etc/passwd'] }, 'event type'],
  ])('refuses invalid options %j', async (options, mentions) => {
    const error: unknown = await runLoad({ url: 'http://127.0.0.1:9/', secrets: TEST_SECRET, ...options }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LoadError);
    expect((error as LoadError).message).toContain(mentions);
  });
});

describe('the load command', () => {
  let receiver: CountingReceiver;
  afterEach(() => receiver?.close());

  it('prints the report as JSON with --json and writes the acknowledged ids with --ids-file', async () => {
    receiver = await startReceiver(SOME_503);
    const dir = mkdtempSync(path.join(tmpdir(), 'load-ids-'));
    let out = '';
    const program = new Command('osigu-sim')
      .exitOverride()
      .configureOutput({ writeOut: (text) => (out += text), writeErr: () => undefined });
    registerLoadCommand(program);
    try {
      const idsFile = path.join(dir, 'ids.txt');
      await program.parseAsync(
        ['load', '--url', receiver.url, '--secret', TEST_SECRET, '--count', '8', '--connections', '2', '--json', '--ids-file', idsFile],
        {
          from: 'user',
        },
      );
      const report = JSON.parse(out) as LoadReport;
      expect(report.sent).toBe(8);
      expect(report.status.byCode).toEqual(receiver.statusCounts);
      expect(readFileSync(idsFile, 'utf8').trim().split('\n').sort()).toEqual([...report.acknowledged.eventIds].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
