import type { OsiguApi } from '../../../simulator/api/server';
import { accessToken, call, startTestApi } from './harness';

describe('/webhooks/v1/subscriptions', () => {
  let api: OsiguApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi({ allowInsecureSubscriptions: false });
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    api.reset();
    token = await accessToken(api);
  });

  it('creates a subscription (201) and lists it', async () => {
    const created = await call(api, 'POST', '/webhooks/v1/subscriptions', token, {
      url: 'https://receiver.example/osigu/webhooks',
      event_types: ['authorization.*', 'dispensing.*'],
    });
    expect(created.status).toBe(201);
    const subscription = (await created.json()) as Record<string, unknown>;
    expect(Object.keys(subscription).sort()).toEqual(['created_at', 'event_types', 'subscription_id', 'url']);
    expect(subscription).toMatchObject({
      url: 'https://receiver.example/osigu/webhooks',
      event_types: ['authorization.*', 'dispensing.*'],
    });
    expect(subscription.subscription_id).toMatch(/^sub_[0-9A-Z]{26}$/);
    expect(Number.isNaN(Date.parse(String(subscription.created_at)))).toBe(false);
    const listed = await call(api, 'GET', '/webhooks/v1/subscriptions', token);
    expect(await listed.json()).toEqual({ data: [subscription] });
  });

  it('matches event types with Osigu patterns', async () => {
    await call(api, 'POST', '/webhooks/v1/subscriptions', token, { url: 'https://a.example/', event_types: ['authorization.*'] });
    await call(api, 'POST', '/webhooks/v1/subscriptions', token, { url: 'https://b.example/', event_types: ['*'] });
    await call(api, 'POST', '/webhooks/v1/subscriptions', token, {
      url: 'https://c.example/',
      event_types: ['settlement.paid', 'prescription.*'],
    });
    const urls = (type: string): string[] => api.subscriptions.matching(type).map((subscription) => subscription.url);
    expect(urls('authorization.created')).toEqual(['https://a.example/', 'https://b.example/']);
    expect(urls('settlement.paid')).toEqual(['https://b.example/', 'https://c.example/']);
    expect(urls('settlement.rejected')).toEqual(['https://b.example/']);
    expect(urls('prescription.email_failed')).toEqual(['https://b.example/', 'https://c.example/']);
  });

  it.each([
    ['an http:// URL', { url: 'http://receiver.example/hook', event_types: ['*'] }, 'https'],
    ['a relative URL', { url: '/hook', event_types: ['*'] }, 'url'],
    ['credentials in the URL', { url: 'https://user:pw@receiver.example/', event_types: ['*'] }, 'credentials'],
    ['no event types', { url: 'https://receiver.example/' }, 'event_types'],
    ['an empty list', { url: 'https://receiver.example/', event_types: [] }, 'event_types'],
    ['an empty pattern', { url: 'https://receiver.example/', event_types: [''] }, 'event_types'],
    ['a pattern with spaces', { url: 'https://receiver.example/', event_types: ['authorization .*'] }, 'event_types'],
    ['not JSON', 'url=https://receiver.example/', 'JSON'],
  ])('refuses %s with 400 invalid_request', async (_case, body, mentions) => {
    const response = await call(api, 'POST', '/webhooks/v1/subscriptions', token, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; message: string };
    expect(answer.error).toBe('invalid_request');
    expect(answer.message).toContain(mentions);
    expect(api.subscriptions.list()).toEqual([]);
  });

  it('accepts http:// when started with allowInsecureSubscriptions', async () => {
    const local = await startTestApi({ allowInsecureSubscriptions: true });
    try {
      const response = await call(local, 'POST', '/webhooks/v1/subscriptions', await accessToken(local), {
        url: 'http://127.0.0.1:3000/osigu/webhooks',
        event_types: ['*'],
      });
      expect(response.status).toBe(201);
    } finally {
      await local.close();
    }
  });
});
