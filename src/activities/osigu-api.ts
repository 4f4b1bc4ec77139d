import { ApplicationFailure } from '@temporalio/common';

/** Osigu's API as the activities use it; `undefined` means Osigu has no such resource (404). */
export interface OsiguApi {
  getAuthorization(authorizationId: string): Promise<Record<string, unknown> | undefined>;
  getDispensation(dispensationId: string): Promise<Record<string, unknown> | undefined>;
}

export interface OsiguApiOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Refresh this long before the token's `expires_in` runs out (Osigu: 3600 s; refresh after ~50 min). */
  refreshMarginMs?: number;
  /** The token endpoint allows 10 calls a minute: never ask more often than this. */
  minTokenIntervalMs?: number;
  requestTimeoutMs?: number;
  now?: () => number;
}

interface Token {
  value: string;
  expiresAt: number;
}

/** Statuses not worth retrying (besides 401, which refreshes the token once). */
const NON_RETRYABLE = new Set([400, 403, 404]);

/**
 * Client-credentials OAuth with one cached token shared by every concurrent caller. Failures are
 * Temporal ApplicationFailures so the activity retry policy decides: 429 and 5xx retry (after the
 * server's Retry-After when it gives one), 400/403 are non-retryable by type.
 */
export function createOsiguApi(options: OsiguApiOptions): OsiguApi & { tokenRequests(): number } {
  const now = options.now ?? Date.now;
  const refreshMarginMs = options.refreshMarginMs ?? 10 * 60 * 1000;
  const minTokenIntervalMs = options.minTokenIntervalMs ?? 6_000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  let token: Token | undefined;
  let inFlight: Promise<Token> | undefined;
  let lastTokenRequestAt = Number.NEGATIVE_INFINITY;
  let tokenRequests = 0;

  async function requestToken(): Promise<Token> {
    const wait = lastTokenRequestAt + minTokenIntervalMs - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastTokenRequestAt = now();
    tokenRequests += 1;
    const response = await fetch(new URL('/v1/oauth/token', options.baseUrl), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw failureFor(response, 'token');
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw ApplicationFailure.nonRetryable('token response without access_token', 'OsiguTokenInvalid');
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
    return { value: body.access_token, expiresAt: now() + Math.max(lifetimeMs - refreshMarginMs, lifetimeMs / 2) };
  }

  async function currentToken(forceRefresh: boolean): Promise<string> {
    if (!forceRefresh && token !== undefined && token.expiresAt > now()) return token.value;
    // One request for everybody: concurrent activities wait on the same promise.
    inFlight ??= requestToken().finally(() => (inFlight = undefined));
    token = await inFlight;
    return token.value;
  }

  async function get(path: string): Promise<Record<string, unknown> | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(new URL(path, options.baseUrl), {
        headers: { authorization: `Bearer ${await currentToken(attempt > 1)}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 401 && attempt === 1) continue;
      if (response.status === 404) return undefined;
      if (!response.ok) throw failureFor(response, path);
      return (await response.json()) as Record<string, unknown>;
    }
  }

  return {
    getAuthorization: (id) => get(`/arc/v1/authorizations/${encodeURIComponent(id)}`),
    getDispensation: (id) => get(`/dispensing/v1/dispensations/${encodeURIComponent(id)}`),
    tokenRequests: () => tokenRequests,
  };
}

function failureFor(response: Response, what: string): ApplicationFailure {
  const message = `Osigu API ${what}: HTTP ${response.status}`;
  const type = `OsiguHttp${response.status}`;
  if (NON_RETRYABLE.has(response.status) || response.status === 401) return ApplicationFailure.nonRetryable(message, type);
  const retryAfter = Number(response.headers.get('retry-after'));
  return ApplicationFailure.create({
    message,
    type,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { nextRetryDelay: retryAfter * 1000 } : {}),
  });
}
