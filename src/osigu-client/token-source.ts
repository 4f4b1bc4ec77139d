import { z } from 'zod';
import { errorFromFetchFailure, errorFromResponse, OsiguApiError } from './errors';

export interface TokenSourceOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  now: () => number;
}

interface CachedToken {
  value: string;
  /** When to stop using it: before the real expiry, see below. */
  refreshAtMs: number;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
});

/**
 * Client-credentials tokens, cached. Osigu allows 10 token calls per minute and client, so one
 * token is shared by every caller and concurrent callers share one token request.
 */
export class TokenSource {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;

  constructor(private readonly options: TokenSourceOptions) {}

  async get(): Promise<string> {
    if (this.cached !== undefined && this.options.now() < this.cached.refreshAtMs) return this.cached.value;
    this.inFlight ??= this.fetchToken()
      .then((token) => (this.cached = token))
      .finally(() => {
        this.inFlight = undefined;
      });
    return (await this.inFlight).value;
  }

  /**
   * Drops the token a 401 was answered to. Only that one: when many calls fail together, the
   * first drops it and the rest find the replacement already fetched or on its way.
   */
  invalidate(value: string): void {
    if (this.cached?.value === value) this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { baseUrl, clientId, clientSecret, timeoutMs, now } = this.options;
    const call = 'POST /v1/oauth/token';
    const requestedAt = now();
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/v1/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        // A redirect is an error (below), never a second request carrying the client secret.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw errorFromFetchFailure(error, call, timeoutMs);
    }
    if (!response.ok) {
      throw await errorFromResponse(response, call, now(), response.status === 401 ? 'invalid_client' : undefined);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new OsiguApiError('invalid_response', `${call}: the answer is not JSON`, { status: response.status });
    }
    const token = tokenResponse.safeParse(body);
    if (!token.success)
      throw new OsiguApiError('invalid_response', `${call}: the answer is not a bearer token`, { status: response.status });
    // Refresh after 5/6 of the lifetime (50 min of Osigu's 60), counted from when we asked, so a
    // slow answer or a little clock skew never has us send an expired token.
    return { value: token.data.access_token, refreshAtMs: requestedAt + (token.data.expires_in * 1000 * 5) / 6 };
  }
}
