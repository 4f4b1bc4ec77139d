import type { Middleware } from 'koa';
import { ApiError } from './api-error';
import type { AuthenticatedState } from './bearer-auth';

export interface RateLimit {
  /** Calls allowed per window and key. */
  limit: number;
  windowMs: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A sliding window per key (the client id): exact at these volumes, and it answers a precise
 * Retry-After. Refused calls are not counted, so a client that honours Retry-After gets through.
 */
export class SlidingWindowLimiter {
  private readonly calls = new Map<string, number[]>();

  constructor(
    readonly rule: RateLimit,
    private readonly now: () => number,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    const recent = (this.calls.get(key) ?? []).filter((at) => at > now - this.rule.windowMs);
    if (recent.length >= this.rule.limit) {
      this.calls.set(key, recent);
      const oldest = recent[0] ?? now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.rule.windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.calls.set(key, recent);
    return { ok: true };
  }

  reset(): void {
    this.calls.clear();
  }
}

export function rateLimited(retryAfterSeconds: number, what: string, headers: Record<string, string> = {}): ApiError {
  return new ApiError(429, 'rate_limited', `Too many ${what}; retry after ${retryAfterSeconds} s.`, {
    'Retry-After': String(retryAfterSeconds),
    ...headers,
  });
}

/** The API's own limit (50 requests/min in the sandbox), per authenticated client. */
export function limitPerClient(limiter: SlidingWindowLimiter): Middleware<AuthenticatedState> {
  return async (ctx, next) => {
    const decision = limiter.take(ctx.state.clientId ?? 'anonymous');
    if (!decision.ok) throw rateLimited(decision.retryAfterSeconds, 'requests');
    await next();
  };
}
