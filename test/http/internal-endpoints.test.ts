import pino from 'pino';
import { loadReceiverConfig } from '../../src/config';
import { METRIC_NAMES } from '../../src/http/metrics';
import { cachedReadiness } from '../../src/http/readiness';
import { startReceiver, type Receiver } from '../../src/http/server';
import { parsePrometheusText, valueOf } from '../support/prometheus';
import { TEST_SECRET } from '../support/delivery';

/*
 * /metrics, /healthz and /readyz: exact, case-sensitive paths, never counted as deliveries, and
 * /readyz answered from a cached check whatever the request rate.
 */

let receiver: Receiver;
let checks = 0;

beforeAll(async () => {
  const config = loadReceiverConfig({ OSIGU_WEBHOOK_SECRET: TEST_SECRET, OSIGU_ENVIRONMENT: 'sandbox', HOST: '127.0.0.1', PORT: '0' });
  receiver = await startReceiver(
    config,
    { connectionOptions: { address: '127.0.0.1:1' }, namespace: 'default' },
    {
      logger: pino({ level: 'silent' }),
      startEvent: () => Promise.reject(new Error('no starts here')),
      isTemporalReachable: async () => {
        checks += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return true;
      },
    },
  );
});
afterAll(async () => receiver.close(500));

const metrics = async () => parsePrometheusText(await (await fetch(`${receiver.origin}/metrics`)).text());

it.each(['/METRICS', '/Metrics', '/metrics/', '/HEALTHZ', '/healthz/', '/readyz/', '/ReadyZ'])(
  '%s is not an internal endpoint: 404',
  async (path) => {
    const response = await fetch(`${receiver.origin}${path}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  },
);

it('GETs on the exact internal paths are never counted as deliveries', async () => {
  for (const path of ['/metrics', '/healthz', '/readyz', '/metrics', '/healthz'])
    expect((await fetch(`${receiver.origin}${path}`)).status).toBe(200);
  const exposition = await metrics();
  expect(valueOf(exposition, METRIC_NAMES.deliveries, { outcome: 'accepted', status: '200' })).toBe(0);
});

it('200 parallel /readyz make at most one Temporal check', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const before = checks;
  const answers = await Promise.all(
    Array.from({ length: 200 }, () => fetch(`${receiver.origin}/readyz`).then((response) => response.status)),
  );
  expect(answers.every((status) => status === 200)).toBe(true);
  expect(checks - before).toBe(1);
});

describe('cachedReadiness', () => {
  it('shares one check in flight, reuses its answer for maxAgeMs, and counts a throw as not ready', async () => {
    let clock = 0;
    let calls = 0;
    let answer: boolean | Error = true;
    const ready = cachedReadiness(
      () => {
        calls += 1;
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      { maxAgeMs: 1_000, now: () => clock },
    );
    expect(await Promise.all([ready(), ready(), ready()])).toEqual([true, true, true]);
    expect(calls).toBe(1);
    answer = false;
    clock = 999;
    expect(await ready()).toBe(true);
    clock = 1_000;
    expect(await ready()).toBe(false);
    answer = new Error('down');
    clock = 2_000;
    expect(await ready()).toBe(false);
    expect(calls).toBe(3);
  });
});
