import { parseEnvelope } from '../../../src/osigu/envelope';
import { verifySignature } from '../../../src/osigu/signature';
import type { Emit } from '../../../simulator/api/emit';
import type { OsiguApi } from '../../../simulator/api/server';
import { seededSponsorRule } from '../../../simulator/api/sponsor-decision';
import { TEST_SECRET } from '../../support/delivery';
import { accessToken, call, startSubscriber, startTestApi, type Delivery, type Subscriber } from './harness';

const REQUEST = {
  beneficiary_id: 'bnf_01HW8GQ2KMNP3F4R5T6Y7U8V9W',
  products: [{ product_code: 'MED-042', quantity: 30, posology: '1c/8h' }],
};

function verified(delivery: Delivery): Record<string, unknown> {
  const check = verifySignature(delivery.headers['x-osigu-signature'], delivery.body, {
    secrets: [TEST_SECRET],
    toleranceSeconds: 300,
    now: new Date(),
  });
  expect(check).toMatchObject({ ok: true });
  const envelope = parseEnvelope(delivery.body);
  if (!envelope.ok) throw new Error(`not an envelope: ${envelope.detail}`);
  return envelope.event;
}

describe('the mock sponsor', () => {
  let api: OsiguApi;
  let authorizations: Subscriber;
  let dispensing: Subscriber;
  let token: string;

  beforeAll(async () => {
    // 1000 times faster: the decision arrives after about 30 ms instead of 30 s.
    api = await startTestApi({ timeScale: 1_000 });
    authorizations = await startSubscriber();
    dispensing = await startSubscriber();
  });
  afterAll(async () => {
    await api.close();
    await authorizations.close();
    await dispensing.close();
  });
  beforeEach(async () => {
    api.reset();
    token = await accessToken(api);
    for (const [subscriber, patterns] of [
      [authorizations, ['authorization.*']],
      [dispensing, ['dispensing.*']],
    ] as const) {
      const response = await call(api, 'POST', '/webhooks/v1/subscriptions', token, { url: subscriber.url, event_types: patterns });
      expect(response.status).toBe(201);
    }
  });

  it('answers PENDING_SPONSOR, then emits a signed authorization.created to matching subscriptions', async () => {
    const response = await call(api, 'POST', '/arc/v1/authorization-requests', token, { ...REQUEST, sandbox_decision: 'APPROVE' });
    expect(response.status).toBe(201);
    const pending = (await response.json()) as Record<string, unknown>;
    expect(pending).toMatchObject({ status: 'PENDING_SPONSOR', beneficiary_id: REQUEST.beneficiary_id, authorizations: [] });
    expect(pending).not.toHaveProperty('sandbox_decision');
    const requestId = String(pending.authorization_request_id);

    const event = verified(await authorizations.next());
    expect(event).toMatchObject({
      event_type: 'authorization.created',
      environment: 'sandbox',
      data: { authorization_request_id: requestId, beneficiary_id: REQUEST.beneficiary_id, products: REQUEST.products },
    });
    expect(String(event.event_id)).toMatch(/^evt_/);

    // The state was updated before the event went out: a receiver calling back reads the outcome.
    const current = await call(api, 'GET', `/arc/v1/authorization-requests/${requestId}`, token);
    expect(await current.json()).toMatchObject({
      status: 'APPROVED',
      authorizations: [{ authorization_id: (event.data as Record<string, unknown>).authorization_id, status: 'CREATED' }],
    });

    await api.sponsor.idle();
    expect(dispensing.deliveries).toHaveLength(0);
  });

  it('emits authorization.rejected when the sponsor says no', async () => {
    const response = await call(api, 'POST', '/arc/v1/authorization-requests', token, { ...REQUEST, sandbox_decision: 'REJECT' });
    const { authorization_request_id: requestId } = (await response.json()) as { authorization_request_id: string };
    const event = verified(await authorizations.next());
    expect(event).toMatchObject({ event_type: 'authorization.rejected', data: { authorization_request_id: requestId } });
    expect((event.data as Record<string, unknown>).rejection_reason).toBeTruthy();
    const current = await call(api, 'GET', `/arc/v1/authorization-requests/${requestId}`, token);
    expect(await current.json()).toMatchObject({ status: 'REJECTED' });
  });

  it('refuses an invalid request with 400 and decides nothing', async () => {
    const response = await call(api, 'POST', '/arc/v1/authorization-requests', token, { beneficiary_id: 'bnf_1', products: [] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    await api.sponsor.idle();
    expect(api.state.authorizationRequests.size).toBe(0);
  });

  it('hands events to an injected emit function instead of POSTing them', async () => {
    const emitted: string[] = [];
    const emit: Emit = (event, subscription) => {
      emitted.push(`${event.event_type} → ${subscription.url}`);
      return Promise.resolve();
    };
    const quiet = await startTestApi({ timeScale: 1_000, emit });
    try {
      const quietToken = await accessToken(quiet);
      await call(quiet, 'POST', '/webhooks/v1/subscriptions', quietToken, { url: 'https://receiver.example/hook', event_types: ['*'] });
      await call(quiet, 'POST', '/arc/v1/authorization-requests', quietToken, { ...REQUEST, sandbox_decision: 'APPROVE' });
      await quiet.sponsor.idle();
      expect(emitted).toEqual(['authorization.created → https://receiver.example/hook']);
    } finally {
      await quiet.close();
    }
  });

  it('decides the same way for the same seed', () => {
    const outcomes = (seed: number): string[] => {
      const rule = seededSponsorRule({ seed, rejectRatio: 0.5 });
      return Array.from({ length: 40 }, () => rule({}).outcome);
    };
    expect(outcomes(7)).toEqual(outcomes(7));
    expect(new Set(outcomes(7))).toEqual(new Set(['APPROVED', 'REJECTED']));
  });
});
