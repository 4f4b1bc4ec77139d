import { ConfigError, loadReceiverConfig, loadWorkerConfig, type Env } from '../src/config';
import { workerMetricsOptions } from '../src/worker-metrics';

/* The settings for metrics and load shedding (METRICS_ENABLED, MAX_IN_FLIGHT, MAX_CONCURRENT_STARTS, WORKER_METRICS_ADDRESS). */

const receiverEnv = (extra: Env = {}): Env => ({
  OSIGU_WEBHOOK_SECRET: 'whsec_test_observability',
  OSIGU_ENVIRONMENT: 'sandbox',
  ...extra,
});

function settingOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.setting;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('receiver', () => {
  it('defaults: /metrics on, 256 deliveries in flight, 128 workflow starts', () => {
    expect(loadReceiverConfig(receiverEnv())).toMatchObject({ metricsEnabled: true, maxInFlight: 256, maxConcurrentStarts: 128 });
  });

  it.each([
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['no', false],
    ['true', true],
    [' 1 ', true],
    ['yes', true],
    ['', true],
  ])('METRICS_ENABLED=%j → %s', (value, enabled) => {
    expect(loadReceiverConfig(receiverEnv({ METRICS_ENABLED: value })).metricsEnabled).toBe(enabled);
  });

  it.each(['off', 'disabled', '2', 'maybe'])('METRICS_ENABLED=%j is refused, naming it', (value) => {
    expect(settingOf(() => loadReceiverConfig(receiverEnv({ METRICS_ENABLED: value })))).toBe('METRICS_ENABLED');
  });

  it('MAX_IN_FLIGHT and MAX_CONCURRENT_STARTS take whole numbers from 1', () => {
    expect(loadReceiverConfig(receiverEnv({ MAX_IN_FLIGHT: '2', MAX_CONCURRENT_STARTS: '1' }))).toMatchObject({
      maxInFlight: 2,
      maxConcurrentStarts: 1,
    });
    for (const value of ['0', '-1', '1.5', 'many', '100001']) {
      expect(settingOf(() => loadReceiverConfig(receiverEnv({ MAX_IN_FLIGHT: value })))).toBe('MAX_IN_FLIGHT');
      expect(settingOf(() => loadReceiverConfig(receiverEnv({ MAX_CONCURRENT_STARTS: value })))).toBe('MAX_CONCURRENT_STARTS');
    }
  });
});

describe('worker', () => {
  it('WORKER_METRICS_ADDRESS: 127.0.0.1:9464 when unset, off when set empty', () => {
    expect(loadWorkerConfig({ OSIGU_ENVIRONMENT: 'sandbox' }).metricsAddress).toBe('127.0.0.1:9464');
    expect(loadWorkerConfig({ OSIGU_ENVIRONMENT: 'sandbox', WORKER_METRICS_ADDRESS: '' }).metricsAddress).toBeUndefined();
    expect(loadWorkerConfig({ OSIGU_ENVIRONMENT: 'sandbox', WORKER_METRICS_ADDRESS: '  ' }).metricsAddress).toBeUndefined();
  });

  it.each(['0.0.0.0:9464', ' 10.1.2.3:1 ', '[::]:9464', '[::1]:65535'])('WORKER_METRICS_ADDRESS=%j is accepted', (value) => {
    expect(loadWorkerConfig({ OSIGU_ENVIRONMENT: 'sandbox', WORKER_METRICS_ADDRESS: value }).metricsAddress).toBe(value.trim());
  });

  // The SDK's core parses a socket address: a host name would fail only when the worker starts.
  it.each(['localhost:9464', '9464', '127.0.0.1', '127.0.0.1:99999', '::1:9464', '[::1]', 'http://127.0.0.1:9464', '256.0.0.1:9464'])(
    'WORKER_METRICS_ADDRESS=%j is refused, naming it',
    (value) => {
      expect(settingOf(() => loadWorkerConfig({ OSIGU_ENVIRONMENT: 'sandbox', WORKER_METRICS_ADDRESS: value }))).toBe(
        'WORKER_METRICS_ADDRESS',
      );
    },
  );

  it("the Runtime options turn the SDK's Prometheus exporter on, or leave telemetry alone", () => {
    expect(workerMetricsOptions('127.0.0.1:9464')).toEqual({
      telemetryOptions: { metrics: { prometheus: { bindAddress: '127.0.0.1:9464' } } },
    });
    expect(workerMetricsOptions(undefined)).toEqual({});
  });
});
