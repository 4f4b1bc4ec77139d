import type { Random } from './random';

/**
 * Time inside one story. Every `next` is strictly later than the one before, so `created_at`
 * increases along a story the way Osigu's own events do.
 */
export interface StoryClock {
  /** Milliseconds of the latest tick. */
  readonly now: number;
  /** Move on by a random gap of whole seconds in [minSeconds, maxSeconds] (at least one). */
  next(minSeconds: number, maxSeconds: number): number;
}

export function createStoryClock(random: Random, startMs: number): StoryClock {
  // Osigu stamps created_at with milliseconds; a random offset keeps them from all ending in .000.
  let now = startMs + random.int(0, 999);
  return {
    get now() {
      return now;
    },
    next(minSeconds, maxSeconds) {
      now += Math.max(1, random.int(minSeconds, maxSeconds)) * 1000 + random.int(0, 999);
      return now;
    },
  };
}

/** `created_at` style: 2026-11-25T14:22:11.789Z */
export function isoMillis(timeMs: number): string {
  return new Date(timeMs).toISOString();
}

/** The business timestamps in `data` (`voided_at`, `paid_at`…) have whole seconds: 2026-11-25T14:22:11Z */
export function isoSeconds(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Dates such as `expires_at` fall on midnight UTC, `days` after `timeMs`. */
export function midnightAfter(timeMs: number, days: number): string {
  const date = new Date(timeMs + days * 86_400_000);
  date.setUTCHours(0, 0, 0, 0);
  return isoSeconds(date.getTime());
}
