import { setTimeout as sleep } from 'node:timers/promises';
import { createRandom } from '../events/random';
import { SimulatorError } from '../events/simulator-error';
import { deliver, type DeliveryRecord, type RetryPolicy } from './deliver';
import type { Faults } from './faults';
import { createLimit } from './limit';
import type { OutgoingEvent } from './outgoing-event';
import { createProgress, type Progress } from './progress';
import { OSIGU_RETRY_SCHEDULE, planAttempts, type RetrySchedule } from './retry-schedule';

/** One event in a lane, with how to send it. */
export interface LaneItem {
  event: OutgoingEvent;
  /** Pause before sending it, after the previous item's first attempt. */
  delayMs?: number;
  /** How many times to send it (before `duplicates` adds more); 1 by default. */
  copies?: number;
  /** Send its copies at the same moment rather than one after another. */
  concurrent?: boolean;
}

/**
 * The events of one resource (a story, a scenario) in the order Osigu emits them. A lane sends its
 * next event once the previous one's first attempt is answered, without waiting for its retries:
 * that is how a retried old event ends up arriving after a newer one. Lanes run side by side.
 */
export type Lane = readonly LaneItem[];

export interface RunOptions {
  url: string;
  secrets: string | readonly string[];
  /** Shuffles and jitter draw from it; the report repeats it so a run can be repeated. */
  seed: number;
  timeoutMs?: number;
  schedule?: RetrySchedule;
  timeScale?: number;
  retryOn?: RetryPolicy;
  faults?: Faults;
  /** Send every event this many more times. */
  duplicates?: number;
  concurrentDuplicates?: boolean;
  /** Shuffle each lane's order (seeded). */
  shuffle?: boolean;
  /** Requests in flight at most; default 8. */
  concurrency?: number;
  /** Counters the run keeps up to date. */
  progress?: Progress;
}

export interface DeliveryResult extends DeliveryRecord {
  /** 0 for the first copy of an event, then 1, 2… for its duplicates. */
  copy: number;
}

export interface RunResult {
  seed: number;
  records: DeliveryResult[];
  elapsedMs: number;
}

export const DEFAULT_CONCURRENCY = 8;

interface Job {
  item: LaneItem;
  /** One attempt plan per copy, with its index in the results. */
  copies: { plan: number[]; slot: number }[];
}

export async function runDeliveries(lanes: readonly Lane[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  // Checked before the first request, so a run without a secret fails at once instead of per event.
  if (secrets.length === 0 || secrets.some((secret) => secret === '')) {
    throw new SimulatorError('secret_required', 'a signing secret is required (--secret or OSIGU_WEBHOOK_SECRET)');
  }
  const random = createRandom(options.seed);
  const schedule = options.schedule ?? OSIGU_RETRY_SCHEDULE;
  const duplicates = options.duplicates ?? 0;
  if (!Number.isInteger(duplicates) || duplicates < 0)
    throw new SimulatorError('invalid_duplicates', 'duplicates is a whole number of 0 or more');
  const limit = createLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const progress = options.progress ?? createProgress();

  // Everything random is drawn here, before the first request, so the seed alone decides it and
  // not the order in which answers happen to come back.
  let slots = 0;
  const plans: Job[][] = lanes.map((lane) =>
    (options.shuffle ? random.shuffle(lane) : lane).map((item) => ({
      item,
      copies: Array.from({ length: (item.copies ?? 1) + duplicates }, () => ({
        plan: planAttempts(schedule, options.timeScale ?? 1, schedule.jitter > 0 ? random : undefined),
        slot: slots++,
      })),
    })),
  );
  progress.total += slots;

  const results: Promise<DeliveryResult>[] = new Array<Promise<DeliveryResult>>(slots);

  const send = (event: OutgoingEvent, copy: number, plan: number[], slot: number): Promise<void> => {
    let firstAnswered!: () => void;
    const first = new Promise<void>((resolve) => (firstAnswered = resolve));
    const done = deliver(event, {
      url: options.url,
      secrets,
      plan,
      limit,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.retryOn !== undefined && { retryOn: options.retryOn }),
      ...(options.faults !== undefined && { faults: options.faults }),
      onAttempt: (attempt, index) => {
        if (index !== 0) return;
        progress.sent += 1;
        if (!attempt.ok) progress.retrying += 1;
        firstAnswered();
      },
    }).then((record) => {
      if (record.attempts[0]?.ok === false) progress.retrying -= 1;
      progress[record.outcome === 'delivered' ? 'acknowledged' : record.outcome] += 1;
      return { ...record, copy };
    });
    results[slot] = done;
    // A delivery that throws never answers its first attempt; the lane must not wait forever.
    return Promise.race([first, done.then(() => undefined)]);
  };

  await Promise.all(
    plans.map(async (lane) => {
      for (const { item, copies } of lane) {
        if (item.delayMs !== undefined && item.delayMs > 0) await sleep(item.delayMs);
        if (item.concurrent ?? options.concurrentDuplicates ?? false) {
          await Promise.all(copies.map(({ plan, slot }, copy) => send(item.event, copy, plan, slot)));
        } else {
          for (const [copy, { plan, slot }] of copies.entries()) await send(item.event, copy, plan, slot);
        }
      }
    }),
  );
  return { seed: options.seed, records: await Promise.all(results), elapsedMs: performance.now() - started };
}
