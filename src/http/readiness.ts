/*
 * /readyz is unauthenticated: without a cache, every probe would be one Temporal RPC, and a flood
 * of probes would spend the frontend's capacity that real workflow starts need. One check runs
 * at a time, and its answer is reused for `maxAgeMs`, whatever the request rate.
 */

export type ReadinessCheck = () => Promise<boolean>;

export function cachedReadiness(
  check: ReadinessCheck,
  { maxAgeMs = 1_000, now = () => performance.now() }: { maxAgeMs?: number; now?: () => number } = {},
): ReadinessCheck {
  let last: { at: number; ready: boolean } | undefined;
  let running: Promise<boolean> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < maxAgeMs) return Promise.resolve(last.ready);
    running ??= check()
      .catch(() => false)
      .then((ready) => {
        last = { at: now(), ready };
        running = undefined;
        return ready;
      });
    return running;
  };
}
