import type { OsiguApi } from '../../../simulator/api/server';
import { accessToken, basicAuth, call, CLIENT, startTestApi } from './harness';

const PROTECTED: [string, string][] = [
  ['GET', '/webhooks/v1/subscriptions'],
  ['POST', '/webhooks/v1/subscriptions'],
  ['POST', '/arc/v1/authorization-requests'],
  ['GET', '/arc/v1/authorization-requests/areq_1'],
  ['GET', '/dispensing/v1/dispensations/dsp_1'],
  ['GET', '/ehr/v1/prescriptions/rx_1'],
  ['GET', '/v3/settlements/stl_1'],
];

describe('bearer-protected endpoints', () => {
  let api: OsiguApi;
  beforeAll(async () => {
    api = await startTestApi({ apiRateLimit: { limit: 3, windowMs: 60_000 } });
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  it.each(PROTECTED)('%s %s answers 401 invalid_token without a token', async (method, path) => {
    const response = await call(api, method, path, undefined, method === 'POST' ? {} : undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses an unknown token and Basic credentials', async () => {
    expect((await call(api, 'GET', '/webhooks/v1/subscriptions', 'sim_at_made_up')).status).toBe(401);
    const basic = await fetch(`${api.origin}/webhooks/v1/subscriptions`, { headers: { authorization: basicAuth(CLIENT) } });
    expect(basic.status).toBe(401);
  });

  it('accepts a token until it expires, then answers 401', async () => {
    const shortLived = await startTestApi({ tokenTtlSeconds: 1 });
    try {
      const token = await accessToken(shortLived);
      expect((await call(shortLived, 'GET', '/webhooks/v1/subscriptions', token)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const expired = await call(shortLived, 'GET', '/webhooks/v1/subscriptions', token);
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ error: 'invalid_token' });
    } finally {
      await shortLived.close();
    }
  });

  it('limits each client to the configured requests per window (50/min in the sandbox)', async () => {
    const token = await accessToken(api);
    for (let i = 0; i < 3; i += 1) expect((await call(api, 'GET', '/webhooks/v1/subscriptions', token)).status).toBe(200);
    const refused = await call(api, 'GET', '/webhooks/v1/subscriptions', token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    // The token endpoint has its own budget.
    expect((await call(api, 'GET', '/webhooks/v1/subscriptions', await accessToken(api))).status).toBe(429);
  });

  it('answers unknown paths with 404 and wrong methods with 405, as JSON', async () => {
    const missing = await call(api, 'GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
    const wrongMethod = await call(api, 'DELETE', '/webhooks/v1/subscriptions');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('GET');
    expect(await wrongMethod.json()).toMatchObject({ error: 'method_not_allowed' });
  });
});
