import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatorError } from '../events/simulator-error';
import { sendAttempt, DEFAULT_TIMEOUT_MS, type AttemptResult } from './attempt';
import { signedRequest, type Faults } from './faults';
import type { Limit } from './limit';
import type { OutgoingEvent } from './outgoing-event';
import { planAttempts } from './retry-schedule';

/**
 * Which failures Osigu retries. Its main page says every non-2xx; another says only 5xx and
 * timeouts. `non-2xx` is the default because a receiver must survive it; `5xx` shows what a 4xx
 * costs when it is final.
 */
export type RetryPolicy = 'non-2xx' | '5xx';

export interface DeliverOptions {
  url: string;
  /** Several secrets give one `v1` each, as during a rotation. */
  secrets: string | readonly string[];
  timeoutMs?: number;
  /** Real ms after the first attempt at which each attempt starts (see `planAttempts`); Osigu's schedule by default. */
  plan?: readonly number[];
  faults?: Faults;
  retryOn?: RetryPolicy;
  /** Shared with other deliveries, to bound the requests in flight; waiting for a retry holds no slot. */
  limit?: Limit;
  onAttempt?: (attempt: AttemptRecord, index: number) => void;
}

export interface AttemptRecord extends AttemptResult {
  /** When it started, in ms after the first attempt started. */
  atMs: number;
}

export type DeliveryOutcome = 'delivered' | 'refused' | 'abandoned';

export interface DeliveryRecord {
  eventId: string;
  eventType: string;
  outcome: DeliveryOutcome;
  attempts: AttemptRecord[];
}

const unlimited: Limit = (task) => task();

/** Delivers one event, retrying on Osigu's schedule until a 2xx, a final refusal or the horizon. */
export async function deliver(event: OutgoingEvent, options: DeliverOptions): Promise<DeliveryRecord> {
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  if (secrets.length === 0 || secrets.some((secret) => secret === '')) {
    throw new SimulatorError('secret_required', 'a signing secret is required (--secret or OSIGU_WEBHOOK_SECRET)');
  }
  const plan = options.plan ?? planAttempts();
  if (plan[0] !== 0) throw new SimulatorError('invalid_plan', 'an attempt plan starts with the first attempt at 0 ms');
  const limit = options.limit ?? unlimited;
  const retryOn = options.retryOn ?? 'non-2xx';

  const attempts: AttemptRecord[] = [];
  let firstStarted: number | undefined;
  for (const [index, plannedMs] of plan.entries()) {
    if (firstStarted !== undefined) {
      // Behind schedule (a slow attempt, a full limit) means "now", never a skipped attempt. Never
      // early either: a timer counts from the event loop's cached clock, which lags behind
      // performance.now() on a busy machine, so one sleep can end early; sleep again for the rest.
      const due = firstStarted + plannedMs;
      for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await sleep(wait);
    }
    const record = await limit(async () => {
      const startedAt = performance.now();
      firstStarted ??= startedAt;
      const result = await sendAttempt(
        options.url,
        signedRequest(event.body, secrets, options.faults),
        options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      );
      return { ...result, atMs: startedAt - firstStarted };
    });
    attempts.push(record);
    options.onAttempt?.(record, index);

    if (record.ok) return { eventId: event.eventId, eventType: event.eventType, outcome: 'delivered', attempts };
    if (isFinal(record, retryOn)) return { eventId: event.eventId, eventType: event.eventType, outcome: 'refused', attempts };
  }
  return { eventId: event.eventId, eventType: event.eventType, outcome: 'abandoned', attempts };
}

function isFinal(attempt: AttemptResult, retryOn: RetryPolicy): boolean {
  return retryOn === '5xx' && attempt.status !== undefined && attempt.status < 500;
}
