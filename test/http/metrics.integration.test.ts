import { once } from 'node:events';
import net from 'node:net';
import { METRIC_NAMES } from '../../src/http/metrics';
import { STATUS_BY_CODE } from '../../src/http/rejection';
import { deliver, fixtureEvent, TEST_SECRET } from '../support/delivery';
import { changes, scrape, seriesOf, valueOf, type Exposition } from '../support/prometheus';
import { startTestReceiver, useStack } from '../support/stack';

/*
 * GET /metrics against the real receiver, a real worker and a real Temporal: each kind of delivery
 * moves exactly the counters it should, and nothing in a scrape names an event or a patient.
 */

const BODY_LIMIT = 4096;
const WEBHOOK_PATH = '/osigu/webhooks';

const stack = useStack({
  worker: true,
  receiver: true,
  receiverEnv: { WEBHOOK_BODY_LIMIT: String(BODY_LIMIT), MAX_IN_FLIGHT: '7', MAX_CONCURRENT_STARTS: '5' },
  receiverCloseGraceMs: 1_000,
});
let url: string;
/** Every event id and every string in every body sent, to look for in the scrapes. */
const sentStrings = new Set<string>();

beforeAll(() => {
  url = `${stack.receiver.origin}${WEBHOOK_PATH}`;
});

/** Every string value sent (field names are the schema's, not data: "code" is in "code_space"). */
function remember(value: unknown): void {
  if (typeof value === 'string' && value.length >= 4) sentStrings.add(value);
  else if (typeof value === 'object' && value !== null) for (const child of Object.values(value)) remember(child);
}

function event(type: string): { eventId: string; body: string } {
  const sent = fixtureEvent(type);
  remember(sent);
  return { eventId: String(sent.event_id), body: JSON.stringify(sent) };
}

/** What a scrape says about deliveries, as series → value. */
function snapshot(exposition: Exposition): Record<string, Map<string, number>> {
  return {
    deliveries: seriesOf(exposition, METRIC_NAMES.deliveries),
    accepted: seriesOf(exposition, METRIC_NAMES.acceptedEvents),
    durations: seriesOf(exposition, `${METRIC_NAMES.requestDuration}_count`),
    starts: seriesOf(exposition, `${METRIC_NAMES.startDuration}_count`),
    shed: seriesOf(exposition, METRIC_NAMES.shed),
    clientErrors: seriesOf(exposition, METRIC_NAMES.clientErrors),
  };
}

/** Runs `act`, then returns every series that moved, by kind. */
async function moved(act: () => Promise<void>, origin = stack.receiver.origin): Promise<Record<string, Record<string, number>>> {
  const before = snapshot(await scrape(origin));
  await act();
  const after = snapshot(await scrape(origin));
  const result: Record<string, Record<string, number>> = {};
  for (const [kind, series] of Object.entries(before)) {
    const delta = changes(series, after[kind] ?? new Map<string, number>());
    if (Object.keys(delta).length > 0) result[kind] = delta;
  }
  return result;
}

async function expectStatus(response: Promise<Response>, status: number, error?: string): Promise<void> {
  const answer = await response;
  const body = (await answer.json()) as { error?: string };
  expect(answer.status).toBe(status);
  if (error !== undefined) expect(body.error).toBe(error);
}

describe('GET /metrics', () => {
  it('is Prometheus text: HELP and TYPE for each family, every outcome at 0 from the start, and Node process metrics', async () => {
    const fresh = await startTestReceiver(stack.temporal.address);
    try {
      const exposition = await scrape(fresh.origin);
      expect(exposition.types.get(METRIC_NAMES.deliveries)).toBe('counter');
      expect(exposition.types.get(METRIC_NAMES.acceptedEvents)).toBe('counter');
      expect(exposition.types.get(METRIC_NAMES.requestDuration)).toBe('histogram');
      expect(exposition.types.get(METRIC_NAMES.startDuration)).toBe('histogram');
      expect(exposition.types.get(METRIC_NAMES.inFlight)).toBe('gauge');
      expect(exposition.types.get(METRIC_NAMES.shed)).toBe('counter');
      expect(exposition.types.get(METRIC_NAMES.clientErrors)).toBe('counter');
      for (const name of Object.values(METRIC_NAMES)) expect(exposition.help.get(name)).toEqual(expect.any(String));

      // Every outcome is there before anything happened, each with its one status.
      const deliveries = seriesOf(exposition, METRIC_NAMES.deliveries);
      const expected = new Map<string, number>([
        ['outcome=accepted,status=200', 0],
        ['outcome=duplicate,status=200', 0],
        ['outcome=internal_error,status=500', 0],
        ...Object.entries(STATUS_BY_CODE).map(([code, status]): [string, number] => [`outcome=${code},status=${status}`, 0]),
      ]);
      expect(deliveries).toEqual(expected);
      expect(deliveries.get('outcome=overloaded,status=503')).toBe(0);

      // Defaults: 256 deliveries in flight, 128 starts.
      expect(valueOf(exposition, METRIC_NAMES.inFlight)).toBe(0);
      expect(valueOf(exposition, METRIC_NAMES.maxInFlight)).toBe(256);
      expect(valueOf(exposition, METRIC_NAMES.maxStartsInFlight)).toBe(128);

      // Node's own, from prom-client's default collectors.
      for (const name of [
        'process_resident_memory_bytes',
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
      ]) {
        expect(exposition.types.has(name)).toBe(true);
      }
      expect(valueOf(exposition, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
      // Buckets from 1 ms to 10 s.
      const les = exposition.samples.filter((s) => s.name === `${METRIC_NAMES.requestDuration}_bucket`).map((s) => s.labels.le);
      expect(les[0]).toBe('0.001');
      expect(les).toContain('10');
    } finally {
      await fresh.close(1_000);
    }
  });

  it('reports the configured limits', async () => {
    const exposition = await scrape(stack.receiver.origin);
    expect(valueOf(exposition, METRIC_NAMES.maxInFlight)).toBe(7);
    expect(valueOf(exposition, METRIC_NAMES.maxStartsInFlight)).toBe(5);
  });

  it('scraping, /healthz and /readyz move no delivery counter', async () => {
    const delta = await moved(async () => {
      for (let i = 0; i < 3; i += 1) await scrape(stack.receiver.origin);
      expect((await fetch(`${stack.receiver.origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${stack.receiver.origin}/readyz`)).status).toBe(200);
      expect((await fetch(`${stack.receiver.origin}/metrics`, { method: 'HEAD' })).status).toBe(200);
    });
    expect(delta).toEqual({});
  });
});

describe('each kind of delivery moves exactly its own counters', () => {
  const accepted = event('authorization.created');

  it('accepted: deliveries{accepted}, the 2xx duration, a started workflow start, the family', async () => {
    const delta = await moved(() => expectStatus(deliver(url, accepted.body), 200));
    expect(delta).toEqual({
      deliveries: { 'outcome=accepted,status=200': 1 },
      accepted: { 'family=authorization,outcome=accepted': 1 },
      durations: { 'status_class=2xx': 1 },
      starts: { 'result=started': 1 },
    });
  });

  it('duplicate (the same delivery again): deliveries{duplicate}, a duplicate workflow start', async () => {
    const delta = await moved(() => expectStatus(deliver(url, accepted.body), 200));
    expect(delta).toEqual({
      deliveries: { 'outcome=duplicate,status=200': 1 },
      accepted: { 'family=authorization,outcome=duplicate': 1 },
      durations: { 'status_class=2xx': 1 },
      starts: { 'result=duplicate': 1 },
    });
  });

  it('an unknown event type is counted under family "other", never under its type', async () => {
    const { body } = event('settlement.paid');
    const renamed = body.replace('"settlement.paid"', '"claims.adjudicated"');
    expect(renamed).not.toBe(body);
    const delta = await moved(() => expectStatus(deliver(url, renamed), 200));
    expect(delta.accepted).toEqual({ 'family=other,outcome=accepted': 1 });
  });

  it('401 signature_mismatch (wrong secret): no workflow start', async () => {
    const { body } = event('dispensing.started');
    const delta = await moved(() => expectStatus(deliver(url, body, { secret: 'whsec_not_ours' }), 401, 'signature_mismatch'));
    expect(delta).toEqual({ deliveries: { 'outcome=signature_mismatch,status=401': 1 }, durations: { 'status_class=4xx': 1 } });
  });

  it('401 timestamp_too_old', async () => {
    const { body } = event('dispensing.started');
    const delta = await moved(() =>
      expectStatus(deliver(url, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), 401, 'timestamp_too_old'),
    );
    expect(delta).toEqual({ deliveries: { 'outcome=timestamp_too_old,status=401': 1 }, durations: { 'status_class=4xx': 1 } });
  });

  it('400 invalid_json (signed, not JSON)', async () => {
    const delta = await moved(() => expectStatus(deliver(url, 'this is not json'), 400, 'invalid_json'));
    expect(delta).toEqual({ deliveries: { 'outcome=invalid_json,status=400': 1 }, durations: { 'status_class=4xx': 1 } });
  });

  it('413 body_too_large', async () => {
    const delta = await moved(() => expectStatus(deliver(url, JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT) })), 413, 'body_too_large'));
    expect(delta).toEqual({ deliveries: { 'outcome=body_too_large,status=413': 1 }, durations: { 'status_class=4xx': 1 } });
  });

  it('405 and 404 are counted as refusals too', async () => {
    const delta = await moved(async () => {
      await expectStatus(fetch(url), 405, 'method_not_allowed');
      await expectStatus(fetch(`${stack.receiver.origin}/osigu/webhooks/evt_123`, { method: 'POST', body: '{}' }), 404, 'not_found');
    });
    expect(delta).toEqual({
      deliveries: { 'outcome=method_not_allowed,status=405': 1, 'outcome=not_found,status=404': 1 },
      durations: { 'status_class=4xx': 2 },
    });
  });

  it("431 (headers over Node's limit) is counted by Node's refusals, not as a delivery", async () => {
    const delta = await moved(async () => {
      const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(stack.receiver.origin).port) });
      await once(socket, 'connect');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined);
      socket.write(
        `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nX-Osigu-Signature: ${'v1=x,'.repeat(4_000)}\r\nContent-Length: 2\r\n\r\n{}`,
      );
      await once(socket, 'close');
      expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^HTTP\/1\.1 431 /);
    });
    expect(delta).toEqual({ clientErrors: { 'status=431': 1 } });
  });
});

describe('labels', () => {
  it('only bounded label names and values: no event id, event type or anything from a body', async () => {
    // Something of every family first, so that their series are in the scrape.
    for (const type of ['dispensing.completed', 'prescription.issued', 'settlement.rejected']) {
      const { body } = event(type);
      await expectStatus(deliver(url, body), 200);
    }
    const exposition = await scrape(stack.receiver.origin);
    const osigu = exposition.samples.filter((s) => s.name.startsWith('osigu_'));
    const allowedValues: Record<string, RegExp> = {
      outcome: /^[a-z0-9_]+$/,
      status: /^[1-5]\d\d$/,
      status_class: /^[1-5]xx$/,
      family: /^(authorization|dispensing|prescription|settlement|other)$/,
      result: /^(started|duplicate|failed)$/,
      limit: /^(body_reads|body_reads_per_address|requests|workflow_starts)$/,
      le: /^(\d+(\.\d+)?|\+Inf)$/,
    };
    const outcomes = new Set(['accepted', 'duplicate', 'internal_error', ...Object.keys(STATUS_BY_CODE)]);
    for (const sample of osigu) {
      for (const [name, value] of Object.entries(sample.labels)) {
        expect({ name, allowed: Object.keys(allowedValues).includes(name) }).toEqual({ name, allowed: true });
        expect(value).toMatch(allowedValues[name] ?? /^$/);
        if (name === 'outcome') expect(outcomes.has(value)).toBe(true);
      }
    }
    // Nothing anywhere in the scrape (process metrics included) comes from what was sent.
    const everyLabelValue = exposition.samples.flatMap((s) => Object.values(s.labels));
    expect(sentStrings.size).toBeGreaterThan(50);
    const leaked = [...sentStrings].filter((sent) => everyLabelValue.some((value) => value.includes(sent)));
    expect(leaked).toEqual([]);
    expect(everyLabelValue.filter((value) => /evt_|\.created|\.completed|@/.test(value))).toEqual([]);
    // The series count is fixed by the code, not by traffic.
    expect(osigu.length).toBeLessThan(200);
  });
});

describe('several receivers in one process', () => {
  it('each has its own registry: a delivery to one moves only its counters', async () => {
    const other = await startTestReceiver(stack.temporal.address);
    try {
      const { body } = event('prescription.email_delivered');
      const otherBefore = seriesOf(await scrape(other.origin), METRIC_NAMES.deliveries);
      const delta = await moved(() => expectStatus(deliver(url, body), 200));
      expect(delta.deliveries).toEqual({ 'outcome=accepted,status=200': 1 });
      expect(changes(otherBefore, seriesOf(await scrape(other.origin), METRIC_NAMES.deliveries))).toEqual({});

      const otherDelta = await moved(
        () => expectStatus(deliver(`${other.origin}${WEBHOOK_PATH}`, body, { secret: TEST_SECRET }), 200),
        other.origin,
      );
      expect(otherDelta.deliveries).toEqual({ 'outcome=duplicate,status=200': 1 });
    } finally {
      await other.close(1_000);
    }
  });
});

describe('METRICS_ENABLED=false', () => {
  it('GET /metrics is an unknown path (404), and deliveries still work', async () => {
    const quiet = await startTestReceiver(stack.temporal.address, { METRICS_ENABLED: 'false' });
    try {
      await expectStatus(fetch(`${quiet.origin}/metrics`), 404, 'not_found');
      const { body } = event('authorization.voided');
      await expectStatus(deliver(`${quiet.origin}${WEBHOOK_PATH}`, body), 200);
    } finally {
      await quiet.close(1_000);
    }
  });
});
