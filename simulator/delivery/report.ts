import type { RunResult } from './run';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * What a run came to. Event counts are per `event_id` (duplicates of an event are one event);
 * attempt counts include every copy and retry.
 */
export interface RunReport {
  seed: number;
  /** Distinct event ids. */
  events: number;
  /** Events sent, duplicates included. */
  deliveries: number;
  attempts: number;
  /** Events whose every delivery was acknowledged with a 2xx. */
  delivered: number;
  retried: { events: number; retries: number };
  /** Answers with a 4xx, by status; `events` were given up on because of one (`--retry-on 5xx`). */
  refused: { attempts: number; byStatus: Record<string, number>; events: string[] };
  /** Other failed attempts: 3xx and 5xx answers by status, no answer by error code. */
  failed: { byStatus: Record<string, number>; byError: Record<string, number> };
  /** Events still unacknowledged when the schedule ran out. */
  abandoned: string[];
  /** Of successful attempts, in ms. */
  latencyMs: LatencySummary | null;
  elapsedMs: number;
}

export function summarize(result: RunResult): RunReport {
  const { records } = result;
  const attempts = records.flatMap((record) => record.attempts);
  const eventIds = new Set(records.map((record) => record.eventId));
  const idsWhere = (predicate: (record: RunResult['records'][number]) => boolean) => [
    ...new Set(records.filter(predicate).map((record) => record.eventId)),
  ];

  const notDelivered = new Set(idsWhere((record) => record.outcome !== 'delivered'));
  const refusedByStatus: Record<string, number> = {};
  const failedByStatus: Record<string, number> = {};
  const failedByError: Record<string, number> = {};
  for (const attempt of attempts) {
    if (attempt.ok) continue;
    if (attempt.status === undefined) increment(failedByError, attempt.error ?? 'unknown');
    else increment(attempt.status >= 400 && attempt.status < 500 ? refusedByStatus : failedByStatus, String(attempt.status));
  }

  return {
    seed: result.seed,
    events: eventIds.size,
    deliveries: records.length,
    attempts: attempts.length,
    delivered: eventIds.size - notDelivered.size,
    retried: {
      events: idsWhere((record) => record.attempts.length > 1).length,
      retries: records.reduce((total, record) => total + Math.max(0, record.attempts.length - 1), 0),
    },
    refused: {
      attempts: Object.values(refusedByStatus).reduce((total, count) => total + count, 0),
      byStatus: refusedByStatus,
      events: idsWhere((record) => record.outcome === 'refused'),
    },
    failed: { byStatus: failedByStatus, byError: failedByError },
    abandoned: idsWhere((record) => record.outcome === 'abandoned'),
    latencyMs: latencySummary(attempts.filter((attempt) => attempt.ok).map((attempt) => attempt.latencyMs)),
    elapsedMs: Math.round(result.elapsedMs),
  };
}

/** Nearest-rank percentiles over the sorted samples: exact, and plenty for a few thousand of them. */
export function latencySummary(samples: readonly number[]): LatencySummary | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => round(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number);
  return { p50: at(50), p90: at(90), p99: at(99), max: round(sorted[sorted.length - 1] as number) };
}

/** A run succeeded only if every event was acknowledged. */
export function exitCodeOf(report: RunReport): number {
  return report.abandoned.length > 0 || report.refused.events.length > 0 ? 1 : 0;
}

/** The per-delivery detail for `--json`: ids, outcomes and attempts, never bodies or signatures. */
export function deliveryLog(result: RunResult) {
  return result.records.map(({ eventId, eventType, copy, outcome, attempts }) => ({
    eventId,
    eventType,
    copy,
    outcome,
    attempts: attempts.map(({ atMs, status, error, latencyMs }) => ({
      atMs: round(atMs),
      ...(status !== undefined && { status }),
      ...(error !== undefined && { error }),
      latencyMs: round(latencyMs),
    })),
  }));
}

export function formatReport(report: RunReport): string {
  const counts = (byKey: Record<string, number>) =>
    Object.entries(byKey)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key}×${count}`)
      .join(' ');
  const failures = [counts(report.failed.byStatus), counts(report.failed.byError)].filter(Boolean).join(' ');
  const latency = report.latencyMs;
  let refused = `${report.refused.attempts} attempts`;
  if (report.refused.attempts > 0) refused += `  ${counts(report.refused.byStatus)}`;
  if (report.refused.events.length > 0) refused += `; gave up on ${report.refused.events.length} events`;
  const rows: [string, string][] = [
    ['events', `${report.events}  (${report.deliveries} deliveries, ${report.attempts} attempts)`],
    ['delivered', String(report.delivered)],
    ['retried', `${report.retried.events} events, ${report.retried.retries} retries`],
    ['refused', refused],
    ['failed', failures === '' ? '0 attempts' : failures],
    ['abandoned', report.abandoned.length === 0 ? '0' : `${report.abandoned.length}  ${report.abandoned.join(' ')}`],
    ['latency', latency === null ? '-' : `p50 ${latency.p50} ms · p90 ${latency.p90} ms · p99 ${latency.p99} ms · max ${latency.max} ms`],
    ['seed', `${report.seed}  (elapsed ${(report.elapsedMs / 1000).toFixed(1)} s)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n') + '\n';
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
