import { createServer } from 'node:net';
import type { OsiguEvent } from '../../src/osigu/envelope';
import type { OsiguApi } from '../../simulator/api/server';
import { OsiguClient } from '../../src/osigu-client/client';
import { OsiguApiError } from '../../src/osigu-client/errors';
import { fixtureEvent } from '../support/delivery';
import { CLIENT, startTestApi } from '../simulator/api/harness';

function statuses(api: OsiguApi, route: string): Record<string, number> | undefined {
  return api.requests.snapshot().routes[route]?.statuses;
}

async function rejection(promise: Promise<unknown>): Promise<OsiguApiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OsiguApiError);
  return error as OsiguApiError;
}

describe('OsiguClient against the stand-in API', () => {
  let api: OsiguApi;
  let client: OsiguClient;
  beforeAll(async () => {
    api = await startTestApi({ apiRateLimit: { limit: 1_000, windowMs: 60_000 } });
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.reset();
    client = new OsiguClient({ baseUrl: api.origin, ...CLIENT });
  });

  it('caches the token across calls', async () => {
    await client.listSubscriptions();
    await client.createSubscription({ url: 'https://receiver.example/hook', eventTypes: ['*'] });
    await client.listSubscriptions();
    expect(api.tokenRequests()).toBe(1);
  });

  it('shares one token request among 20 concurrent calls', async () => {
    await Promise.all(Array.from({ length: 20 }, () => client.listSubscriptions()));
    expect(api.tokenRequests()).toBe(1);
    expect(statuses(api, 'GET /webhooks/v1/subscriptions')).toEqual({ '200': 20 });
  });

  it('after expireTokens, 20 concurrent calls each get one 401 and share one refresh', async () => {
    await client.listSubscriptions();
    api.faults.set({ expireTokens: true });
    await Promise.all(Array.from({ length: 20 }, () => client.listSubscriptions()));
    expect(api.tokenRequests()).toBe(2);
    expect(statuses(api, 'GET /webhooks/v1/subscriptions')).toEqual({ '200': 21, '401': 20 });
  });

  it('refreshes a token before it expires', async () => {
    const shortLived = await startTestApi({ tokenTtlSeconds: 1 });
    try {
      const shortClient = new OsiguClient({ baseUrl: shortLived.origin, ...CLIENT });
      await shortClient.listSubscriptions();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await shortClient.listSubscriptions();
      expect(shortLived.tokenRequests()).toBe(2);
      // Refreshed ahead of expiry: the API never had to refuse the old token.
      expect(statuses(shortLived, 'GET /webhooks/v1/subscriptions')).toEqual({ '200': 2 });
    } finally {
      await shortLived.close();
    }
  });

  it('on a 401, fetches a new token once and retries', async () => {
    await client.listSubscriptions();
    api.faults.set({ expireTokens: true });
    await expect(client.listSubscriptions()).resolves.toEqual([]);
    expect(api.tokenRequests()).toBe(2);
    expect(statuses(api, 'GET /webhooks/v1/subscriptions')).toEqual({ '200': 2, '401': 1 });
  });

  it('surfaces a 429 as rate_limited with retryAfterMs, without retrying', async () => {
    await client.listSubscriptions();
    api.faults.set({ rateLimit429: { count: 1, retryAfterSeconds: 7 } });
    const error = await rejection(client.getSettlement('stl_1'));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 7_000, retryable: true });
    expect(statuses(api, 'GET /v3/settlements/:id')).toEqual({ '429': 1 });
  });

  it('surfaces the token endpoint’s own rate limit the same way', async () => {
    const limited = await startTestApi({ tokenRateLimit: { limit: 1, windowMs: 60_000 } });
    try {
      await new OsiguClient({ baseUrl: limited.origin, ...CLIENT }).listSubscriptions();
      const error = await rejection(new OsiguClient({ baseUrl: limited.origin, ...CLIENT }).listSubscriptions());
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('surfaces a 5xx as server_error, retryable', async () => {
    await client.listSubscriptions();
    api.faults.set({ serverError5xx: { count: 1, status: 502 } });
    const error = await rejection(client.getDispensation('dsp_1'));
    expect(error).toMatchObject({ code: 'server_error', status: 502, retryable: true });
  });

  it('surfaces a 404 as not_found, not retryable', async () => {
    const error = await rejection(client.getPrescription('rx_unknown'));
    expect(error).toMatchObject({ code: 'not_found', status: 404, retryable: false });
    expect(error.details.apiError).toBe('not_found');
  });

  it('reads the resources the state holds', async () => {
    api.state.apply(fixtureEvent('dispensing.completed') as OsiguEvent);
    await expect(client.getDispensation('dsp_01JC0000000000000000000001')).resolves.toMatchObject({
      status: 'COMPLETED',
      total_amount: 375,
    });
  });

  it('reports wrong credentials as invalid_client', async () => {
    const wrong = new OsiguClient({ baseUrl: api.origin, clientId: CLIENT.clientId, clientSecret: 'nope' });
    const error = await rejection(wrong.listSubscriptions());
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, retryable: false });
    expect(error.message).not.toContain('nope');
  });

  it('reports an unreachable API as network_error', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const error = await rejection(new OsiguClient({ baseUrl: `http://127.0.0.1:${port}`, ...CLIENT }).listSubscriptions());
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
  });
});
