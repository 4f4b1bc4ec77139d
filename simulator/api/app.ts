import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { ApiError } from './api-error';
import { requireBearer, type AuthenticatedState } from './bearer-auth';
import type { ClientRegistry } from './client-credentials';
import type { FaultSwitches } from './faults';
import { injectFaults } from './inject-faults';
import { limitPerClient, type SlidingWindowLimiter } from './rate-limiter';
import type { RequestCounter } from './request-counter';
import { adminRouter, ADMIN_PREFIX } from './routes/admin';
import { submitAuthorizationRequest } from './routes/authorization-requests';
import { resourceLookup } from './routes/resources';
import { createSubscription, listSubscriptions, SUBSCRIPTIONS_PATH } from './routes/subscriptions';
import { tokenEndpoint, TOKEN_PATH } from './routes/token';
import type { MockSponsor } from './sponsor';
import type { OsiguState } from './state';
import type { SubscriptionStore } from './subscriptions';
import type { TokenStore } from './token-store';

export interface ApiParts {
  clients: ClientRegistry;
  tokens: TokenStore;
  tokenLimiter: SlidingWindowLimiter;
  apiLimiter: SlidingWindowLimiter;
  faults: FaultSwitches;
  requests: RequestCounter;
  state: OsiguState;
  subscriptions: SubscriptionStore;
  sponsor: MockSponsor;
  scope: string;
  logger: Logger;
  reset: () => void;
}

/** Osigu's API surface (shared/osigu/README.md, "The API a receiver calls back") and /__admin. */
export function createOsiguApiApp(parts: ApiParts): Koa<AuthenticatedState> {
  const app = new Koa<AuthenticatedState>();
  // Errors are answered and logged below; Koa's own stderr printing would bypass the logger.
  app.silent = true;
  app.use(answerAndCount(parts));

  const router = new Router<AuthenticatedState>();
  // Faults first, as a gateway in front of the API would fail, then the token, then the limit.
  const protectedRoute = [injectFaults(parts.faults, 'api'), requireBearer(parts.tokens), limitPerClient(parts.apiLimiter)];
  router.post(TOKEN_PATH, injectFaults(parts.faults, 'token'), tokenEndpoint({ ...parts, limiter: parts.tokenLimiter }));
  router.post(SUBSCRIPTIONS_PATH, ...protectedRoute, createSubscription(parts.subscriptions));
  router.get(SUBSCRIPTIONS_PATH, ...protectedRoute, listSubscriptions(parts.subscriptions));
  router.post('/arc/v1/authorization-requests', ...protectedRoute, submitAuthorizationRequest(parts.sponsor));
  const { state } = parts;
  router.get(
    '/arc/v1/authorization-requests/:id',
    ...protectedRoute,
    resourceLookup('authorization request', (id) => state.authorizationRequest(id)),
  );
  // Assumed path (not in Osigu's published material): one authorization by id, for reconciliation.
  router.get(
    '/arc/v1/authorizations/:id',
    ...protectedRoute,
    resourceLookup('authorization', (id) => state.authorizations.get(id)),
  );
  router.get(
    '/dispensing/v1/dispensations/:id',
    ...protectedRoute,
    resourceLookup('dispensation', (id) => state.dispensation(id)),
  );
  router.get(
    '/ehr/v1/prescriptions/:id',
    ...protectedRoute,
    resourceLookup('prescription', (id) => state.prescription(id)),
  );
  router.get(
    '/v3/settlements/:id',
    ...protectedRoute,
    resourceLookup('settlement', (id) => state.settlement(id)),
  );

  const admin = adminRouter(parts);
  app.use(admin.routes());
  app.use(admin.allowedMethods());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/**
 * Every refusal as `{error, message}` with its status and headers, one log line per request
 * (ids, route, status, code: never tokens, secrets or bodies), and the per-route counts.
 */
function answerAndCount({ requests, logger }: ApiParts): Koa.Middleware<AuthenticatedState> {
  return async (ctx, next) => {
    const started = performance.now();
    let code: string | undefined;
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new ApiError(404, 'not_found', 'No such endpoint.');
        if (ctx.status === 405 || ctx.status === 501) throw new ApiError(ctx.status, 'method_not_allowed', 'Method not allowed here.');
      }
    } catch (error) {
      if (error instanceof ApiError) {
        code = error.code;
        ctx.status = error.status;
        ctx.set(error.headers);
        ctx.body = { error: error.code, message: error.message };
      } else {
        code = 'internal_error';
        logger.error(
          { err_name: error instanceof Error ? error.name : typeof error, err_message: error instanceof Error ? error.message : undefined },
          'handler failed',
        );
        ctx.status = 500;
        ctx.body = { error: 'internal_error', message: 'Internal error.' };
      }
    } finally {
      // The route pattern, never the raw path: ids in paths would make the counts unbounded.
      const pattern = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = pattern === undefined ? 'unmatched' : `${ctx.method} ${String(pattern)}`;
      if (!ctx.path.startsWith(ADMIN_PREFIX)) requests.record(route, ctx.status);
      const line = {
        method: ctx.method,
        route,
        status: ctx.status,
        ms: Math.round(performance.now() - started),
        client_id: ctx.state.clientId,
        code,
      };
      if (ctx.status >= 500) logger.error(line, 'request failed');
      else if (ctx.status >= 400) logger.warn(line, 'request refused');
      else logger.info(line, 'request served');
    }
  };
}
