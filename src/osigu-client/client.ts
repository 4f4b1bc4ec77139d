import { z } from 'zod';
import { errorFromFetchFailure, errorFromResponse, OsiguApiError } from './errors';
import { TokenSource } from './token-source';

export interface OsiguClientOptions {
  /** https://sandbox.osigu.com, https://api.osigu.com, or a stand-in's origin. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per HTTP call; a 401 retry is a second call. Default 10 s. */
  timeoutMs?: number;
  now?: () => number;
}

export interface Subscription {
  subscription_id: string;
  url: string;
  event_types: string[];
  created_at: string;
}

/** Resources are passed through as Osigu sends them; only their presence is checked. */
export type OsiguResource = Record<string, unknown>;

const subscriptionSchema = z.looseObject({
  subscription_id: z.string(),
  url: z.string(),
  event_types: z.array(z.string()),
  created_at: z.string(),
});
const resourceSchema = z.record(z.string(), z.unknown());

// Osigu's ids are letters, digits, '_' and '-'. Anything else ('..', '/', '%2F', a name) could
// walk the path or reach another endpoint with our bearer token: refused before any request,
// and never echoed (an id found in `data` may be PHI).
const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;

function pathSegment(id: string): string {
  if (!SAFE_SEGMENT.test(id))
    throw new OsiguApiError(
      'bad_request',
      `an id of ${id.length} characters is not an Osigu id (letters, digits, '_' and '-' only): not requested`,
    );
  return id;
}

/**
 * A small client for Osigu's API (shared/osigu/README.md, "The API a receiver calls back"):
 * bearer tokens from the client-credentials grant, cached and shared; one token refresh and retry
 * after a 401; everything else surfaces as an OsiguApiError with a code, for the caller to retry.
 */
export class OsiguClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly tokens: TokenSource;

  constructor(options: OsiguClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.tokens = new TokenSource({ ...options, baseUrl: this.baseUrl, timeoutMs: this.timeoutMs, now: this.now });
  }

  async createSubscription(input: { url: string; eventTypes: readonly string[] }): Promise<Subscription> {
    const body = await this.request('POST', '/webhooks/v1/subscriptions', { url: input.url, event_types: input.eventTypes });
    return this.parse(subscriptionSchema, body, 'POST /webhooks/v1/subscriptions');
  }

  async listSubscriptions(): Promise<Subscription[]> {
    const body = await this.request('GET', '/webhooks/v1/subscriptions');
    return this.parse(z.object({ data: z.array(subscriptionSchema) }), body, 'GET /webhooks/v1/subscriptions').data;
  }

  async createAuthorizationRequest(request: Record<string, unknown>): Promise<OsiguResource> {
    return this.resource('POST', '/arc/v1/authorization-requests', request);
  }

  async getAuthorizationRequest(id: string): Promise<OsiguResource> {
    return this.resource('GET', `/arc/v1/authorization-requests/${pathSegment(id)}`);
  }

  async getDispensation(id: string): Promise<OsiguResource> {
    return this.resource('GET', `/dispensing/v1/dispensations/${pathSegment(id)}`);
  }

  async getPrescription(id: string): Promise<OsiguResource> {
    return this.resource('GET', `/ehr/v1/prescriptions/${pathSegment(id)}`);
  }

  async getSettlement(id: string): Promise<OsiguResource> {
    return this.resource('GET', `/v3/settlements/${pathSegment(id)}`);
  }

  /** An authenticated call; the parsed JSON answer of a 2xx. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const call = `${method} ${path}`;
    const token = await this.tokens.get();
    let response = await this.send(method, path, body, token, call);
    if (response.status === 401) {
      // The token expired early or was revoked: one fresh token, one retry, no loop.
      await response.arrayBuffer();
      this.tokens.invalidate(token);
      response = await this.send(method, path, body, await this.tokens.get(), call);
    }
    if (response.status >= 300 && response.status < 400) {
      // Never followed: another origin's answer would be taken for Osigu's resource.
      await response.arrayBuffer();
      throw new OsiguApiError('invalid_response', `${call}: answered ${response.status} (a redirect), which is not followed`, {
        status: response.status,
      });
    }
    if (!response.ok) throw await errorFromResponse(response, call, this.now());
    try {
      return await response.json();
    } catch {
      throw new OsiguApiError('invalid_response', `${call}: the answer is not JSON`, { status: response.status });
    }
  }

  private async send(method: string, path: string, body: unknown, token: string, call: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw errorFromFetchFailure(error, call, this.timeoutMs);
    }
  }

  private async resource(method: 'GET' | 'POST', path: string, body?: unknown): Promise<OsiguResource> {
    return this.parse(resourceSchema, await this.request(method, path, body), `${method} ${path}`);
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, call: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new OsiguApiError('invalid_response', `${call}: the answer does not have the expected shape`);
    return parsed.data;
  }
}
