import Router from '@koa/router';
import type { Tracer } from '@opentelemetry/api';
import Koa from 'koa';
import type { Logger } from '../logger';
import type { TrustedProxies } from './client-address';
import {
  addressShare,
  concurrencyLimit,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_BODY_READS,
  DEFAULT_MAX_BODY_READS_PER_ADDRESS,
  DEFAULT_MAX_CONCURRENT_STARTS,
  DEFAULT_MAX_IN_FLIGHT,
  shedStarts,
} from './load-shedding';
import { createReceiverMetrics, type DeliveryOutcome, type ReceiverMetrics } from './metrics';
import { Rejection } from './rejection';
import { cachedReadiness } from './readiness';
import { traceDelivery } from './tracing';
import { webhookHandler, type WebhookOptions, type WebhookState } from './webhook';

export interface AppOptions extends WebhookOptions {
  webhookPath: string;
  logger: Logger;
  /** Whether Temporal answers right now; /readyz reports it (at most one check a second). */
  isReady: () => Promise<boolean>;
  isClosing: () => boolean;
  /** This receiver's own registry and counters; created here when not given. */
  metrics?: ReceiverMetrics;
  /** Answer GET /metrics (default true). */
  metricsEnabled?: boolean;
  /** Load shedding: verified deliveries in flight, and workflow starts in progress, before 503 overloaded. */
  maxInFlight?: number;
  maxConcurrentStarts?: number;
  /** Set when tracing is on (src/tracing): each delivery is the root span of its trace. */
  tracer?: Tracer | undefined;
  /** Bodies being read at once, in all and from one client address, and their deadline. */
  maxBodyReads?: number;
  maxBodyReadsPerAddress?: number;
  bodyTimeoutMs?: number;
  /** Proxies whose X-Forwarded-For names the client address; undefined: the socket's peer. */
  trustedProxies?: TrustedProxies | undefined;
}

export function createApp(options: AppOptions): Koa<WebhookState> {
  const app = new Koa<WebhookState>();
  // Errors are answered and logged below; Koa's own stderr printing would bypass the logger.
  app.silent = true;
  const metrics = options.metrics ?? createReceiverMetrics();
  const metricsEnabled = options.metricsEnabled ?? true;
  const requestLimit = concurrencyLimit(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const bodyReads = addressShare(
    options.maxBodyReads ?? DEFAULT_MAX_BODY_READS,
    options.maxBodyReadsPerAddress ?? DEFAULT_MAX_BODY_READS_PER_ADDRESS,
  );
  const isReady = cachedReadiness(options.isReady);
  const startLimit = concurrencyLimit(options.maxConcurrentStarts ?? DEFAULT_MAX_CONCURRENT_STARTS);
  metrics.setLimits({ maxInFlight: requestLimit.max, maxStartsInFlight: startLimit.max });
  // GETs on these are the operator's, not deliveries: they are not counted. The router matches
  // case-sensitively and without a trailing slash, so /METRICS or /metrics/ is a 404 (counted as
  // a refusal), never the metrics: a proxy rule on the exact path cannot be walked around.
  const internalPaths = new Set(['/healthz', '/readyz', ...(metricsEnabled ? ['/metrics'] : [])]);

  app.use(async (ctx, next) => {
    const started = performance.now();
    let code: DeliveryOutcome | undefined;
    let detail: string | undefined;
    try {
      await next();
      // Koa answers unknown paths and the router answers wrong methods with empty bodies: give
      // them the same JSON shape as every other refusal.
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new Rejection('not_found', `no route for ${ctx.method} ${ctx.path.slice(0, 64)}`);
        if (ctx.status === 405 || ctx.status === 501)
          throw new Rejection('method_not_allowed', `${ctx.method.slice(0, 16)} on ${ctx.path.slice(0, 64)}`);
      }
    } catch (error) {
      if (error instanceof Rejection) {
        code = error.code;
        detail = error.detail;
        ctx.status = error.status;
        ctx.body = { error: error.code, message: error.message };
        if (error.status === 503) ctx.set('Retry-After', '10');
      } else {
        code = 'internal_error';
        detail = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
        ctx.status = 500;
        ctx.body = { error: 'internal_error', message: 'Internal error.' };
      }
    } finally {
      // Keep-alive connections outlive server.close(): each is told to go with the answer it is
      // about to get, even when the shutdown began while its request was being read.
      if (options.isClosing()) ctx.set('Connection', 'close');
      const line = {
        method: ctx.method,
        path: ctx.path.slice(0, 128),
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        ...(code === undefined ? {} : { code, detail }),
        ...ctx.state.delivery,
      };
      if (!(internalPaths.has(ctx.path) && (ctx.method === 'GET' || ctx.method === 'HEAD'))) {
        const outcome = code ?? (ctx.state.delivery?.duplicate === true ? 'duplicate' : 'accepted');
        metrics.recordDelivery(outcome, ctx.status, (performance.now() - started) / 1000, ctx.state.delivery?.workflowType);
      }
      if (ctx.status >= 500) options.logger.error(line, 'request failed');
      else if (ctx.status >= 400) options.logger.warn(line, 'request refused');
      else options.logger.info(line, ctx.state.delivery ? 'delivery accepted' : 'request served');
    }
  });

  const router = new Router<WebhookState>({ strict: true, sensitive: true });
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await isReady();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', temporal: ready ? 'reachable' : 'unreachable' };
  });
  if (metricsEnabled) {
    router.get('/metrics', async (ctx) => {
      ctx.set('Content-Type', metrics.registry.contentType);
      ctx.body = await metrics.registry.metrics();
    });
  }
  // Admission runs once the router has matched POST on the path, and before the body is read.
  const startEvent = shedStarts(metrics.instrumentStarter(options.startEvent), startLimit, metrics);
  router.post(
    options.webhookPath,
    traceDelivery(options.tracer),
    webhookHandler(
      { ...options, startEvent },
      {
        bodyReads,
        verified: requestLimit,
        bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
        trustedProxies: options.trustedProxies,
        metrics,
      },
    ),
  );

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
