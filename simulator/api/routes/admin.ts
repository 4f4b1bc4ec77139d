import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { ApiError, invalidRequest } from '../api-error';
import { faultSettingsSchema, type FaultSwitches } from '../faults';
import type { RequestCounter } from '../request-counter';
import { readJsonBody } from '../request-body';
import type { OsiguState } from '../state';
import type { TokenStore } from '../token-store';

export const ADMIN_PREFIX = '/__admin';

export interface AdminParts {
  faults: FaultSwitches;
  requests: RequestCounter;
  tokens: TokenStore;
  state: OsiguState;
  reset: () => void;
}

const eventSchema = z.looseObject({
  event_id: z.string().min(1),
  event_type: z.string().min(1),
  created_at: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

/** Unauthenticated by design, so only a caller on this machine may reach it; others get a 404. */
const loopbackOnly: Middleware = async (ctx, next) => {
  if (!isLoopback(ctx.socket.remoteAddress)) throw new ApiError(404, 'not_found', 'No such endpoint.');
  await next();
};

function parseOr400<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Test and operator controls: fault switches, a full reset, per-route request counts, and a way
 * for a simulator in another process to tell the API about an event it sent.
 */
export function adminRouter({ faults, requests, tokens, state, reset }: AdminParts): Router {
  const router = new Router({ prefix: ADMIN_PREFIX });
  router.use(loopbackOnly);
  router.get('/faults', (ctx) => {
    ctx.body = faults.snapshot();
  });
  router.post('/faults', async (ctx) => {
    ctx.body = faults.set(parseOr400(faultSettingsSchema, await readJsonBody(ctx)));
  });
  router.post('/reset', (ctx) => {
    reset();
    ctx.body = { reset: true };
  });
  router.get('/requests', (ctx) => {
    ctx.body = { ...requests.snapshot(), tokensIssued: tokens.issued, faultsFired: faults.snapshot().fired };
  });
  router.post('/events', async (ctx) => {
    const event = parseOr400(eventSchema, await readJsonBody(ctx));
    ctx.body = { event_id: event.event_id, outcome: state.apply(event) };
  });
  return router;
}
