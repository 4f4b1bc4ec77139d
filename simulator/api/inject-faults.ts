import { setTimeout as delay } from 'node:timers/promises';
import type { Middleware } from 'koa';
import { ApiError } from './api-error';
import type { FaultSwitches } from './faults';
import { rateLimited } from './rate-limiter';

/**
 * Names the faults that shaped an answer, so a test can tell "the fault fired" from "the API
 * happened to answer that way" without measuring time.
 */
export const FAULT_HEADER = 'X-Osigu-Sim-Fault';

/**
 * Runs before authentication, as an overloaded gateway in front of Osigu would: a slow answer
 * first, then a 429, then a 5xx. The Retry-After on the injected 429 is the configured one.
 */
export function injectFaults(faults: FaultSwitches, scope: 'api' | 'token'): Middleware {
  return async (ctx, next) => {
    const fired: string[] = [];
    const slow = faults.take('slowMs', scope);
    if (slow !== undefined) {
      fired.push('slow');
      ctx.set(FAULT_HEADER, 'slow');
      ctx.set('X-Osigu-Sim-Delay-Ms', String(slow.ms));
      await delay(slow.ms);
    }
    const limited = faults.take('rateLimit429', scope);
    if (limited !== undefined) {
      fired.push('rate_limit_429');
      throw rateLimited(limited.retryAfterSeconds, 'requests (injected fault)', { [FAULT_HEADER]: fired.join(', ') });
    }
    const broken = faults.take('serverError5xx', scope);
    if (broken !== undefined) {
      fired.push('server_error_5xx');
      throw new ApiError(broken.status, 'server_error', 'Internal error (injected fault).', { [FAULT_HEADER]: fired.join(', ') });
    }
    await next();
  };
}
