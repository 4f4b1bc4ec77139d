import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createOsiguApiApp } from './app';
import { ClientRegistry, type ClientCredentials } from './client-credentials';
import { DEV_WEBHOOK_SECRET } from '../../scripts/dev-keys';
import { DEV_CLIENT } from './dev-defaults';
import { httpEmitter, type Emit } from './emit';
import { DEFAULT_ORIGIN, type EventOrigin } from './event-envelope';
import { FaultSwitches } from './faults';
import { SlidingWindowLimiter, type RateLimit } from './rate-limiter';
import { RequestCounter } from './request-counter';
import { TOKEN_PATH } from './routes/token';
import { MockSponsor } from './sponsor';
import { seededSponsorRule, type SponsorRule } from './sponsor-decision';
import { OsiguState } from './state';
import { SubscriptionStore } from './subscriptions';
import { TokenStore } from './token-store';

export interface OsiguApiOptions {
  /** On 127.0.0.1; 0 or absent takes a free port. */
  port?: number;
  /** Accepted at the token endpoint; a well-known development pair when absent. */
  clients?: readonly ClientCredentials[];
  /** What the default `emit` signs with; the receiver's development secret when absent. */
  webhookSecrets?: string | readonly string[];
  /** `expires_in` of issued tokens (Osigu: 3600). */
  tokenTtlSeconds?: number;
  /** Osigu: 10 per minute and client. */
  tokenRateLimit?: RateLimit;
  /** Osigu's sandbox: 50 per minute and client. */
  apiRateLimit?: RateLimit;
  /**
   * How many times faster than real time simulated delays pass, as for `send --time-scale`: 1 is
   * real time, 100 has the sponsor decide in 0.3 s instead of 30 s. Rate-limit windows and token
   * lifetimes are not scaled (they have their own options).
   */
  timeScale?: number;
  /** The sponsor's decision delay before scaling (Osigu's sandbox: about 30 s). */
  sponsorDelayMs?: number;
  sponsorRule?: SponsorRule;
  /** Accept `http://` subscription URLs, for local receivers. Osigu itself requires HTTPS. */
  allowInsecureSubscriptions?: boolean;
  /** How events reach subscribers; one signed POST with a 10 s timeout when absent. */
  emit?: Emit;
  origin?: EventOrigin;
  scope?: string;
  /** Silent when absent. */
  logger?: Logger;
  now?: () => number;
}

export interface OsiguApi {
  /** e.g. http://127.0.0.1:4010 */
  origin: string;
  state: OsiguState;
  faults: FaultSwitches;
  subscriptions: SubscriptionStore;
  tokens: TokenStore;
  requests: RequestCounter;
  sponsor: MockSponsor;
  /** Calls to the token endpoint since start or the last reset, answered or refused. */
  tokenRequests(): number;
  /** Faults, counts, rate-limit windows, resources, subscriptions, pending decisions. Issued tokens stay valid. */
  reset(): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startOsiguApi(options: OsiguApiOptions = {}): Promise<OsiguApi> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');

  const tokens = new TokenStore(options.tokenTtlSeconds ?? 3600, now);
  const tokenLimiter = new SlidingWindowLimiter(options.tokenRateLimit ?? { limit: 10, windowMs: 60_000 }, now);
  const apiLimiter = new SlidingWindowLimiter(options.apiRateLimit ?? { limit: 50, windowMs: 60_000 }, now);
  const faults = new FaultSwitches(now, tokens);
  const requests = new RequestCounter();
  const state = new OsiguState();
  const subscriptions = new SubscriptionStore(options.allowInsecureSubscriptions ?? false, now);
  const sponsor = new MockSponsor({
    state,
    subscriptions,
    emit: options.emit ?? httpEmitter({ secrets: options.webhookSecrets ?? DEV_WEBHOOK_SECRET, now }),
    rule: options.sponsorRule ?? seededSponsorRule(),
    decisionDelayMs: Math.round((options.sponsorDelayMs ?? 30_000) / timeScale),
    origin: options.origin ?? DEFAULT_ORIGIN,
    now,
    logger,
  });
  const reset = (): void => {
    sponsor.cancel();
    faults.reset();
    requests.reset();
    tokens.resetCounters();
    tokenLimiter.reset();
    apiLimiter.reset();
    state.clear();
    subscriptions.clear();
  };

  const app = createOsiguApiApp({
    clients: new ClientRegistry(options.clients ?? [DEV_CLIENT]),
    tokens,
    tokenLimiter,
    apiLimiter,
    faults,
    requests,
    state,
    subscriptions,
    sponsor,
    scope: options.scope ?? 'webhooks arc dispensing ehr settlements',
    logger,
    reset,
  });
  const callback = app.callback();
  const server = http.createServer((req, res) => void callback(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${HOST}:${port}`;
  logger.info({ origin }, 'stand-in Osigu API listening');

  let closed: Promise<void> | undefined;
  return {
    origin,
    state,
    faults,
    subscriptions,
    tokens,
    requests,
    sponsor,
    tokenRequests: () => requests.snapshot().routes[`POST ${TOKEN_PATH}`]?.count ?? 0,
    reset,
    close() {
      closed ??= new Promise<void>((resolve) => {
        sponsor.cancel();
        server.close(() => resolve());
        // Keep-alive sockets (fetch keeps them) would hold close() open until they time out.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closed;
    },
  };
}
