/**
 * Offered load for one step, independent of what is called: an open loop at a fixed rate (event
 * n is due at start + n/rate, arrivals evenly spaced, at most `maxInFlight` outstanding) or a
 * closed loop (`connections` callers, each sending again as soon as it has its answer).
 *
 * Why not autocannon's `overallRate` (simulator/commands/load.ts)? autocannon gives each
 * connection a budget per second and spends it at once at the top of each second, so "100/s"
 * is a burst of 100 followed by silence; and with a rate it "corrects" latencies for coordinated
 * omission with a 1 ms interval, which records a 50 ms answer as 50 samples from 1 to 50 ms and
 * roughly halves the p50. Here a latency is exactly one answer's time, from send to answer, and a
 * send the bound held back is visible as schedule lag.
 */
import { summarize, type LatencySummary } from '../measure/latency';

export type LoadSpec = { kind: 'rate'; rate: number } | { kind: 'closed'; connections: number };

export interface DriveSpec {
  load: LoadSpec;
  durationSeconds: number;
  /** Open loop only: outstanding calls allowed before sends wait (and fall behind schedule). */
  maxInFlight: number;
}

export interface Outcome {
  /** An HTTP status ("200", "503"), or "timeout", "connection_error", a Temporal error name. */
  key: string;
  /** The answer acknowledges the event (2xx; for a bare start: started or already there). */
  acknowledged: boolean;
  /** false when nothing answered (timeout, connection refused). */
  answered: boolean;
  eventId: string;
}

/** Calls the n-th event (n from 1). Must not reject: failures are outcomes. */
export type Fire = (n: number) => Promise<Outcome>;

export interface Progress {
  elapsedSeconds: number;
  sent: number;
  acknowledged: number;
  failed: number;
  inFlight: number;
}

export interface DriveResult {
  generator: string;
  /** From the first send to the last answer. */
  durationSeconds: number;
  sent: number;
  answered: number;
  acknowledged: number;
  outcomes: Record<string, number>;
  /** Acknowledged answers only, as autocannon reports 2xx latencies only. */
  latencyMs: LatencySummary;
  /** Open loop: how late each send left against its schedule (the bound, or a busy generator). */
  scheduleLagMs?: LatencySummary;
  acknowledgedIds: string[];
}

export async function drive(spec: DriveSpec, fire: Fire, onProgress?: (progress: Progress) => void): Promise<DriveResult> {
  const latencies: number[] = [];
  const lags: number[] = [];
  const outcomes: Record<string, number> = {};
  const acknowledgedIds: string[] = [];
  let sent = 0;
  let answered = 0;
  let failed = 0;
  let inFlight = 0;
  const started = performance.now();
  let lastAnswer = started;

  const call = async (n: number): Promise<void> => {
    sent += 1;
    inFlight += 1;
    const sentAt = performance.now();
    const outcome = await fire(n);
    const now = performance.now();
    inFlight -= 1;
    lastAnswer = now;
    outcomes[outcome.key] = (outcomes[outcome.key] ?? 0) + 1;
    if (outcome.answered) answered += 1;
    if (outcome.acknowledged) {
      latencies.push(now - sentAt);
      acknowledgedIds.push(outcome.eventId);
    } else failed += 1;
  };

  const ticker =
    onProgress === undefined
      ? undefined
      : setInterval(
          () =>
            onProgress({
              elapsedSeconds: Math.round((performance.now() - started) / 1000),
              sent,
              acknowledged: acknowledgedIds.length,
              failed,
              inFlight,
            }),
          1_000,
        );
  try {
    if (spec.load.kind === 'closed') await closedLoop(spec.load.connections, spec.durationSeconds, call);
    else await openLoop(spec.load.rate, spec.durationSeconds, spec.maxInFlight, started, call, lags);
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
  }

  return {
    generator:
      spec.load.kind === 'closed'
        ? `closed loop, ${spec.load.connections} callers`
        : `open loop, evenly spaced, ≤ ${spec.maxInFlight} in flight`,
    durationSeconds: Math.round(((lastAnswer - started) / 1000) * 100) / 100,
    sent,
    answered,
    acknowledged: acknowledgedIds.length,
    outcomes,
    latencyMs: summarize(latencies),
    ...(spec.load.kind === 'rate' ? { scheduleLagMs: summarize(lags) } : {}),
    acknowledgedIds,
  };
}

async function closedLoop(connections: number, durationSeconds: number, call: (n: number) => Promise<void>): Promise<void> {
  const end = performance.now() + durationSeconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        next += 1;
        await call(next);
      }
    }),
  );
}

function openLoop(
  rate: number,
  durationSeconds: number,
  maxInFlight: number,
  started: number,
  call: (n: number) => Promise<void>,
  lags: number[],
): Promise<void> {
  const total = Math.max(1, Math.round(rate * durationSeconds));
  const intervalMs = 1000 / rate;
  const due = (n: number): number => started + (n - 1) * intervalMs;
  let next = 1;
  let outstanding = 0;
  let timer: NodeJS.Timeout | undefined;
  let waitingForSlot = false;

  return new Promise<void>((resolve) => {
    const pump = (): void => {
      timer = undefined;
      const now = performance.now();
      // Everything due by now leaves at once: a timer that fired late catches up instead of drifting.
      while (next <= total && due(next) <= now) {
        if (outstanding >= maxInFlight) {
          waitingForSlot = true;
          return;
        }
        lags.push(now - due(next));
        outstanding += 1;
        const n = next;
        next += 1;
        void call(n).finally(() => {
          outstanding -= 1;
          if (next > total && outstanding === 0) resolve();
          else if (waitingForSlot) {
            waitingForSlot = false;
            pump();
          }
        });
      }
      if (next <= total && timer === undefined) timer = setTimeout(pump, Math.max(0, due(next) - performance.now()));
    };
    pump();
  });
}
