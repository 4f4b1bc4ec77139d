/**
 * The longest wait an answer can impose: a workflow told to wait 31 years by `Retry-After:
 * 999999999` would stall without anyone noticing; beyond this, our own backoff takes over again.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * `Retry-After` in milliseconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), at
 * most MAX_RETRY_AFTER_MS; undefined when absent or unreadable, so the caller falls back to its
 * own backoff.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - nowMs), MAX_RETRY_AFTER_MS);
}
