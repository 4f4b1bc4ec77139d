import { FAULT_HEADER } from '../../../simulator/api/inject-faults';
import type { OsiguApi } from '../../../simulator/api/server';
import { OsiguClient } from '../../../src/osigu-client/client';
import { accessToken, admin, call, CLIENT, requestToken, startTestApi } from './harness';

async function setFaults(api: OsiguApi, body: unknown): Promise<Record<string, unknown>> {
  const response = await admin(api, 'POST', '/faults', body);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function fired(api: OsiguApi): Promise<Record<string, number>> {
  return ((await (await admin(api, 'GET', '/faults')).json()) as { fired: Record<string, number> }).fired;
}

describe('fault switches over HTTP', () => {
  let api: OsiguApi;
  let token: string;
  const list = (): Promise<Response> => call(api, 'GET', '/webhooks/v1/subscriptions', token);

  beforeAll(async () => {
    api = await startTestApi({ apiRateLimit: { limit: 1_000, windowMs: 60_000 } });
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    await admin(api, 'POST', '/reset');
    token = await accessToken(api);
  });

  it('rateLimit429: the next N requests get 429 with the configured Retry-After', async () => {
    const snapshot = await setFaults(api, { rateLimit429: { count: 2, retryAfterSeconds: 7, scope: 'api' } });
    expect(snapshot.rateLimit429).toMatchObject({ remaining: 2, retryAfterSeconds: 7, scope: 'api' });
    for (let i = 0; i < 2; i += 1) {
      const response = await list();
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.headers.get(FAULT_HEADER)).toBe('rate_limit_429');
      expect(await response.json()).toMatchObject({ error: 'rate_limited' });
    }
    expect((await list()).status).toBe(200);
    expect(await fired(api)).toMatchObject({ rateLimit429: 2 });
    expect(((await (await admin(api, 'GET', '/faults')).json()) as Record<string, unknown>).rateLimit429).toBeNull();
  });

  it('serverError5xx: the configured status, until switched off', async () => {
    await setFaults(api, { serverError5xx: { durationMs: 60_000, status: 502 } });
    for (let i = 0; i < 3; i += 1) {
      const response = await list();
      expect(response.status).toBe(502);
      expect(response.headers.get(FAULT_HEADER)).toBe('server_error_5xx');
      expect(await response.json()).toMatchObject({ error: 'server_error' });
    }
    await setFaults(api, { serverError5xx: null });
    expect((await list()).status).toBe(200);
    expect(await fired(api)).toMatchObject({ serverError5xx: 3 });
    const counts = (await (await admin(api, 'GET', '/requests')).json()) as {
      routes: Record<string, { statuses: Record<string, number> }>;
    };
    expect(counts.routes['GET /webhooks/v1/subscriptions']?.statuses).toEqual({ '200': 1, '502': 3 });
  });

  it('slowMs: answers are delayed (seen in the fault headers and counters, not the clock)', async () => {
    await setFaults(api, { slowMs: { ms: 50, count: 1 } });
    const response = await list();
    expect(response.status).toBe(200);
    expect(response.headers.get(FAULT_HEADER)).toBe('slow');
    expect(response.headers.get('x-osigu-sim-delay-ms')).toBe('50');
    expect(await fired(api)).toMatchObject({ slowMs: 1 });
    expect((await list()).headers.get(FAULT_HEADER)).toBeNull();
  });

  it('scope: a token-endpoint outage leaves the API up', async () => {
    await setFaults(api, { serverError5xx: { scope: 'token' } });
    expect((await requestToken(api)).status).toBe(503);
    expect((await list()).status).toBe(200);
  });

  it('expireTokens: every current token gets a 401 once; the client refreshes once and succeeds', async () => {
    const client = new OsiguClient({ baseUrl: api.origin, ...CLIENT });
    await client.listSubscriptions();
    const tokenCallsBefore = api.tokenRequests();

    const snapshot = await setFaults(api, { expireTokens: true });
    // Ours and the client's, and those of earlier tests: a reset keeps issued tokens.
    expect(snapshot.expiredTokens).toBeGreaterThanOrEqual(2);
    expect((await list()).status).toBe(401);

    await expect(client.listSubscriptions()).resolves.toEqual([]);
    expect(api.tokenRequests()).toBe(tokenCallsBefore + 1);
    const counts = api.requests.snapshot().routes['GET /webhooks/v1/subscriptions']?.statuses;
    expect(counts).toEqual({ '200': 2, '401': 2 });
  });

  it('reset turns every switch off and zeroes the counts', async () => {
    await setFaults(api, { rateLimit429: {}, serverError5xx: {}, slowMs: 10 });
    expect((await list()).status).toBe(429);
    await admin(api, 'POST', '/reset');
    expect(await (await admin(api, 'GET', '/faults')).json()).toEqual({
      rateLimit429: null,
      serverError5xx: null,
      slowMs: null,
      fired: { rateLimit429: 0, serverError5xx: 0, slowMs: 0 },
      expiredTokens: 0,
    });
    expect((await (await admin(api, 'GET', '/requests')).json()) as Record<string, unknown>).toMatchObject({ total: 0, routes: {} });
    expect((await list()).status).toBe(200);
  });

  it('refuses unknown switches and bad values with 400', async () => {
    for (const body of [{ rateLimit: { count: 1 } }, { serverError5xx: { status: 404 } }, { slowMs: -1 }, { rateLimit429: { count: 0 } }]) {
      const response = await admin(api, 'POST', '/faults', body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('can be set programmatically too', async () => {
    api.faults.set({ serverError5xx: { count: 1 } });
    expect((await list()).status).toBe(503);
    expect((await list()).status).toBe(200);
  });
});
