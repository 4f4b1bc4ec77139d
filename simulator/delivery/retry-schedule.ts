import { SimulatorError } from '../events/simulator-error';
import type { Random } from '../events/random';

/**
 * Osigu's retry schedule (shared/osigu/README.md, "Delivery"): after a non-2xx or a timeout, again
 * after about 1 min, then about 5 min, then growing gaps up to about 4 h, until 72 h after the
 * first attempt; after that the event is abandoned. Osigu publishes only that prose, so the exact
 * gaps are ours, kept as data so a test can say precisely what "as Osigu does" means here.
 */
export interface RetrySchedule {
  /** Gap before each retry, in seconds; the last one repeats until the horizon. */
  delaysSeconds: readonly number[];
  /** No attempt is made later than this after the first one. */
  horizonSeconds: number;
  /** Each gap varies by up to ± this fraction (0 = exact); needs a seeded `Random`. */
  jitter: number;
}

export const OSIGU_RETRY_DELAYS_SECONDS: readonly number[] = [60, 300, 900, 1_800, 3_600, 7_200, 14_400];
export const OSIGU_HORIZON_SECONDS = 72 * 3_600;

export const OSIGU_RETRY_SCHEDULE: RetrySchedule = {
  delaysSeconds: OSIGU_RETRY_DELAYS_SECONDS,
  horizonSeconds: OSIGU_HORIZON_SECONDS,
  jitter: 0,
};

/**
 * When each attempt happens, in schedule seconds after the first (which is at 0). Anchored to the
 * first attempt rather than to the end of the previous one, so the number of attempts before the
 * horizon does not depend on how slowly the receiver answers.
 */
export function attemptOffsetsSeconds(schedule: RetrySchedule = OSIGU_RETRY_SCHEDULE, random?: Random): number[] {
  const { delaysSeconds, horizonSeconds, jitter } = schedule;
  if (delaysSeconds.length === 0 || delaysSeconds.some((delay) => !(delay > 0))) {
    throw new SimulatorError('invalid_schedule', 'every retry delay must be a positive number of seconds');
  }
  if (!(horizonSeconds >= 0)) throw new SimulatorError('invalid_schedule', 'the horizon must be zero or more seconds');
  if (!(jitter >= 0 && jitter < 1)) throw new SimulatorError('invalid_schedule', 'jitter is a fraction from 0 up to (not including) 1');
  if (jitter > 0 && random === undefined) throw new SimulatorError('invalid_schedule', 'jitter needs a seeded Random to stay repeatable');

  const offsets = [0];
  for (let retry = 0; ; retry += 1) {
    const base = delaysSeconds[Math.min(retry, delaysSeconds.length - 1)] as number;
    const factor = jitter > 0 && random !== undefined ? 1 + jitter * (2 * random.fraction() - 1) : 1;
    const next = (offsets[offsets.length - 1] as number) + base * factor;
    if (next > horizonSeconds) return offsets;
    offsets.push(next);
  }
}

/**
 * Schedule seconds as real milliseconds: with `timeScale` 3600, one hour of schedule passes in one
 * second, and the 72 h schedule in 72 s.
 */
export function toRealMs(offsetsSeconds: readonly number[], timeScale = 1): number[] {
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new SimulatorError('invalid_time_scale', 'the time scale must be a positive number');
  return offsetsSeconds.map((seconds) => (seconds * 1000) / timeScale);
}

/** The real-time moments (ms after the first attempt) at which one delivery is attempted. */
export function planAttempts(schedule: RetrySchedule = OSIGU_RETRY_SCHEDULE, timeScale = 1, random?: Random): number[] {
  return toRealMs(attemptOffsetsSeconds(schedule, random), timeScale);
}
