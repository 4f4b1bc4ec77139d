import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../src/http/app';
import { concurrencyLimit } from '../../src/http/load-shedding';
import { createReceiverMetrics, METRIC_NAMES } from '../../src/http/metrics';
import type { EventStarter, StartOutcome } from '../../src/temporal/event-starter';
import { deliver, fixtureEvent, TEST_SECRET } from '../support/delivery';
import { parsePrometheusText, seriesOf, valueOf } from '../support/prometheus';

/*
 * The bound on concurrent workflow starts, with a starter the test controls (no Temporal): while
 * MAX_CONCURRENT_STARTS starts hang, the next signed delivery is shed with 503 overloaded, and the
 * start histogram sees only the attempts that reached the starter.
 */

describe('concurrencyLimit', () => {
  it('admits up to max, refuses beyond, and a release (once, however often called) makes room', () => {
    const limit = concurrencyLimit(2);
    const first = limit.tryAcquire();
    const second = limit.tryAcquire();
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limit.tryAcquire()).toBeUndefined();
    expect(limit.active).toBe(2);
    first?.();
    first?.();
    expect(limit.active).toBe(1);
    expect(limit.tryAcquire()).toBeDefined();
    expect(limit.tryAcquire()).toBeUndefined();
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) expect(() => concurrencyLimit(max)).toThrow(RangeError);
  });
});

describe('MAX_CONCURRENT_STARTS', () => {
  let server: http.Server;
  let origin: string;
  const pending: ((outcome: StartOutcome | Error) => void)[] = [];
  const metrics = createReceiverMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    // Each start waits until the test settles it.
    const startEvent: EventStarter = () =>
      new Promise<StartOutcome>((resolve, reject) => {
        pending.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
      });
    const app = createApp({
      secrets: [TEST_SECRET],
      toleranceSeconds: 300,
      bodyLimitBytes: 65_536,
      now: () => new Date(),
      startEvent,
      webhookPath: '/osigu/webhooks',
      logger: pino({ level: 'silent' }),
      isReady: () => Promise.resolve(true),
      isClosing: () => false,
      metrics,
      maxInFlight: 10,
      maxConcurrentStarts: 2,
    });
    server = http.createServer((req, res) => void app.callback()(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const url = (): string => `${origin}/osigu/webhooks`;
  const body = (): string => JSON.stringify(fixtureEvent('dispensing.completed'));
  async function untilPending(count: number): Promise<void> {
    while (pending.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  async function scrape(): Promise<ReturnType<typeof parsePrometheusText>> {
    return parsePrometheusText(await (await fetch(`${origin}/metrics`)).text());
  }

  it('sheds the third start while two hang, with 503 overloaded and Retry-After; then admits again', async () => {
    const first = deliver(url(), body());
    const second = deliver(url(), body());
    await untilPending(2);
    expect(valueOf(await scrape(), METRIC_NAMES.startsInFlight)).toBe(2);

    const shed = await deliver(url(), body());
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await shed.json()).toEqual({ error: 'overloaded', message: expect.any(String) as unknown });
    expect(pending).toHaveLength(2);

    pending.shift()?.({ duplicate: false, runId: 'run-1' });
    pending.shift()?.(new Error('UNAVAILABLE'));
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(503); // temporal_unavailable, not overloaded
    const third = deliver(url(), body());
    await untilPending(1);
    pending.shift()?.({ duplicate: true });
    expect(await (await third).json()).toMatchObject({ received: true, duplicate: true });

    const exposition = await scrape();
    expect(valueOf(exposition, METRIC_NAMES.shed, { limit: 'workflow_starts' })).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.shed, { limit: 'requests' })).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.startsInFlight)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.inFlight)).toBe(0);
    // Only the three attempts that reached the starter were timed.
    expect(seriesOf(exposition, `${METRIC_NAMES.startDuration}_count`)).toEqual(
      new Map([
        ['result=started', 1],
        ['result=duplicate', 1],
        ['result=failed', 1],
      ]),
    );
    expect(valueOf(exposition, METRIC_NAMES.deliveries, { outcome: 'overloaded', status: '503' })).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.deliveries, { outcome: 'temporal_unavailable', status: '503' })).toBe(1);
  });
});
