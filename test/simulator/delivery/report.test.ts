import { exitCodeOf, formatReport, latencySummary, summarize } from '../../../simulator/delivery/report';
import type { AttemptRecord } from '../../../simulator/delivery/deliver';
import type { DeliveryResult, RunResult } from '../../../simulator/delivery/run';

const ok = (latencyMs: number): AttemptRecord => ({ status: 200, ok: true, latencyMs, atMs: 0 });
const status = (code: number): AttemptRecord => ({ status: code, ok: false, latencyMs: 1, atMs: 0 });
const error = (code: string): AttemptRecord => ({ error: code, ok: false, latencyMs: 1, atMs: 0 });
const record = (eventId: string, outcome: DeliveryResult['outcome'], attempts: AttemptRecord[], copy = 0): DeliveryResult => ({
  eventId,
  eventType: 'authorization.created',
  outcome,
  attempts,
  copy,
});

describe('the run report', () => {
  it('takes nearest-rank percentiles from the sorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index); // 100 … 1, unsorted on purpose
    expect(latencySummary(samples)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(latencySummary([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7 });
    expect(latencySummary([])).toBeNull();
  });

  it('counts events by event_id, retries per delivery, refusals by status, and lists what was abandoned', () => {
    const result: RunResult = {
      seed: 9,
      elapsedMs: 1234,
      records: [
        record('evt_a', 'delivered', [ok(10)]),
        record('evt_a', 'delivered', [status(503), ok(30)], 1), // a duplicate that needed a retry
        record('evt_b', 'delivered', [error('timeout'), status(401), ok(20)]),
        record('evt_c', 'abandoned', [status(401), status(503), error('ECONNREFUSED')]),
        record('evt_d', 'refused', [status(422)]),
      ],
    };
    const report = summarize(result);
    expect(report).toEqual({
      seed: 9,
      events: 4,
      deliveries: 5,
      attempts: 10,
      delivered: 2,
      retried: { events: 3, retries: 5 },
      refused: { attempts: 3, byStatus: { '401': 2, '422': 1 }, events: ['evt_d'] },
      failed: { byStatus: { '503': 2 }, byError: { timeout: 1, ECONNREFUSED: 1 } },
      abandoned: ['evt_c'],
      latencyMs: { p50: 20, p90: 30, p99: 30, max: 30 },
      elapsedMs: 1234,
    });
    expect(exitCodeOf(report)).toBe(1);

    const table = formatReport(report);
    expect(table).toMatch(/delivered\s+2\n/);
    expect(table).toMatch(/abandoned\s+1\s+evt_c\n/);
    expect(table).toContain('401×2 422×1');
    expect(table).toContain('p50 20 ms');
  });

  it('exits 0 only when every event was acknowledged', () => {
    const report = summarize({ seed: 1, elapsedMs: 1, records: [record('evt_a', 'delivered', [ok(1)])] });
    expect(exitCodeOf(report)).toBe(0);
    expect(exitCodeOf(summarize({ seed: 1, elapsedMs: 1, records: [record('evt_a', 'refused', [status(400)])] }))).toBe(1);
  });
});
