import type { OsiguApi } from '../../../simulator/api/server';
import { basicAuth, CLIENT, OTHER_CLIENT, requestToken, startTestApi } from './harness';

describe('POST /v1/oauth/token', () => {
  let api: OsiguApi;
  beforeAll(async () => {
    api = await startTestApi({ tokenTtlSeconds: 120, tokenRateLimit: { limit: 10, windowMs: 60_000 } });
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  it('grants a bearer token to a configured client', async () => {
    const response = await requestToken(api);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 120 });
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.scope).toBe('string');
    expect(api.tokens.issued).toBe(1);
  });

  it.each([
    ['a wrong secret', basicAuth({ ...CLIENT, clientSecret: 'wrong' })],
    ['an unknown client', basicAuth({ clientId: 'nobody', clientSecret: CLIENT.clientSecret })],
    ["another client's secret", basicAuth({ clientId: CLIENT.clientId, clientSecret: OTHER_CLIENT.clientSecret })],
    ['no credentials', ''],
    ['a bearer header', 'Bearer abc'],
  ])('refuses %s with 401 invalid_client', async (_case, authorization) => {
    const response = await fetch(`${api.origin}/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Basic');
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    expect(api.tokens.issued).toBe(0);
  });

  it('refuses another grant type with 400 unsupported_grant_type', async () => {
    const response = await requestToken(api, CLIENT, 'grant_type=password&username=a&password=b');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('allows 10 calls a minute per client, then answers 429 with Retry-After', async () => {
    for (let i = 0; i < 10; i += 1) expect((await requestToken(api)).status).toBe(200);
    const refused = await requestToken(api);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    // Per client: the other one still gets its token.
    expect((await requestToken(api, OTHER_CLIENT)).status).toBe(200);
    expect(api.tokenRequests()).toBe(12);
    expect(api.requests.snapshot().routes['POST /v1/oauth/token']?.statuses).toEqual({ '200': 11, '429': 1 });
  });

  it('frees the window after it has passed', async () => {
    const quick = await startTestApi({ tokenRateLimit: { limit: 2, windowMs: 300 } });
    try {
      expect((await requestToken(quick)).status).toBe(200);
      expect((await requestToken(quick)).status).toBe(200);
      expect((await requestToken(quick)).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await requestToken(quick)).status).toBe(200);
    } finally {
      await quick.close();
    }
  });
});
