import type { OsiguEvent } from '../../../src/osigu/envelope';
import type { OsiguApi } from '../../../simulator/api/server';
import { fixtureEvent } from '../../support/delivery';
import { accessToken, admin, call, startTestApi } from './harness';

// The fixtures' shared story (shared/osigu/events).
const AUTHORIZATION_REQUEST = 'areq_01JA1Z2Y3X4W5V6T7S8R9Q0P1N';
const REJECTED_REQUEST = 'areq_01JA1Z2Y3X4W5V6T7S8R9Q0P2P';
const AUTHORIZATION = 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N';
const DISPENSATION = 'dsp_01JC0000000000000000000001';
const CANCELLED_DISPENSATION = 'dsp_01JC0000000000000000000002';
const PRESCRIPTION = 'rx_01JE0000000000000000000001';

function fixture(eventType: string, overrides: Record<string, unknown> = {}): OsiguEvent {
  return fixtureEvent(eventType, overrides) as OsiguEvent;
}

describe('resources follow the events applied', () => {
  let api: OsiguApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi({ apiRateLimit: { limit: 1_000, windowMs: 60_000 } });
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    api.reset();
    token = await accessToken(api);
  });

  async function get(path: string): Promise<Record<string, unknown>> {
    const response = await call(api, 'GET', path, token);
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  it('authorization requests: created, updated, voided; rejected', async () => {
    expect(api.state.apply(fixture('authorization.created'))).toBe('applied');
    let request = await get(`/arc/v1/authorization-requests/${AUTHORIZATION_REQUEST}`);
    expect(request).toMatchObject({
      authorization_request_id: AUTHORIZATION_REQUEST,
      status: 'APPROVED',
      beneficiary_id: 'bnf_01HW8GQ2KMNP3F4R5T6Y7U8V9W',
      authorizations: [{ authorization_id: AUTHORIZATION, authorization_code: 'AUTH-2026-001234', status: 'CREATED' }],
    });

    api.state.apply(fixture('authorization.updated'));
    request = await get(`/arc/v1/authorization-requests/${AUTHORIZATION_REQUEST}`);
    expect(request.authorizations).toMatchObject([
      { status: 'CREATED', payment_type: 'DIRECT_PAYMENT', products: [{ authorized_quantity: 20 }] },
    ]);

    api.state.apply(fixture('authorization.voided'));
    request = await get(`/arc/v1/authorization-requests/${AUTHORIZATION_REQUEST}`);
    expect(request.authorizations).toMatchObject([{ status: 'VOIDED', voided_by: 'SPONSOR' }]);

    api.state.apply(fixture('authorization.rejected'));
    expect(await get(`/arc/v1/authorization-requests/${REJECTED_REQUEST}`)).toMatchObject({
      status: 'REJECTED',
      rejection_reason: "Product not covered by the beneficiary's plan",
      authorizations: [],
    });
  });

  it('dispensations: STARTED then COMPLETED (the completed data plus status), or CANCELLED', async () => {
    api.state.apply(fixture('authorization.created'));
    api.state.apply(fixture('dispensing.started'));
    expect(await get(`/dispensing/v1/dispensations/${DISPENSATION}`)).toMatchObject({ dispensation_id: DISPENSATION, status: 'STARTED' });

    const completed = fixture('dispensing.completed');
    api.state.apply(completed);
    // The completed data plus status; what only the started event said stays.
    expect(await get(`/dispensing/v1/dispensations/${DISPENSATION}`)).toEqual({
      ...completed.data,
      started_at: '2026-11-25T16:20:00Z',
      status: 'COMPLETED',
    });
    // Osigu files the claim for the authorization.
    expect(await get(`/arc/v1/authorization-requests/${AUTHORIZATION_REQUEST}`)).toMatchObject({
      authorizations: [{ status: 'CLAIMED', claim_id: 'clm_01JD0000000000000000000001' }],
    });

    api.state.apply(fixture('dispensing.cancelled'));
    expect(await get(`/dispensing/v1/dispensations/${CANCELLED_DISPENSATION}`)).toMatchObject({ status: 'CANCELLED', reason: 'TIMEOUT' });
  });

  it('orders by created_at: a late dispensing.started does not undo COMPLETED', async () => {
    api.state.apply(fixture('dispensing.completed'));
    api.state.apply(fixture('dispensing.started'));
    expect(await get(`/dispensing/v1/dispensations/${DISPENSATION}`)).toMatchObject({
      status: 'COMPLETED',
      started_at: '2026-11-25T16:20:00Z',
    });
  });

  it('prescriptions: issued, then the e-mail outcome', async () => {
    api.state.apply(fixture('prescription.issued'));
    expect(await get(`/ehr/v1/prescriptions/${PRESCRIPTION}`)).toMatchObject({ prescription_code: 'RX-2026-9182', status: 'ISSUED' });
    api.state.apply(fixture('prescription.email_delivered'));
    expect(await get(`/ehr/v1/prescriptions/${PRESCRIPTION}`)).toMatchObject({ status: 'ISSUED', email_status: 'DELIVERED' });
    api.state.apply(fixture('prescription.email_failed'));
    expect(await get(`/ehr/v1/prescriptions/${PRESCRIPTION}`)).toMatchObject({ status: 'ISSUED', email_status: 'FAILED' });
  });

  it.each([
    ['settlement.paid', 'stl_01JH0000000000000000000001', 'ACCEPTED'],
    ['settlement.rejected', 'stl_01JH0000000000000000000002', 'REJECTED'],
    ['settlement.partially_accepted', 'stl_01JH0000000000000000000003', 'PARTIALLY_ACCEPTED'],
  ])('settlements: %s', async (eventType, id, status) => {
    const event = fixture(eventType);
    api.state.apply(event);
    expect(await get(`/v3/settlements/${id}`)).toEqual({ ...event.data, status });
  });

  it('applies each event_id once, and ignores types it keeps no state for', () => {
    const event = fixture('dispensing.started');
    expect(api.state.apply(event)).toBe('applied');
    expect(api.state.apply(event)).toBe('duplicate');
    expect(api.state.apply(fixture('dispensing.started', { event_type: 'dispensing.reviewed' }))).toBe('ignored');
    expect(api.state.apply(fixture('dispensing.started', { data: {} }))).toBe('ignored');
  });

  it('takes events over HTTP from a simulator in another process', async () => {
    const response = await admin(api, 'POST', '/events', fixture('prescription.issued'));
    expect(await response.json()).toMatchObject({ outcome: 'applied' });
    expect(await get(`/ehr/v1/prescriptions/${PRESCRIPTION}`)).toMatchObject({ status: 'ISSUED' });
    expect((await admin(api, 'POST', '/events', { event_type: 'x' })).status).toBe(400);
  });

  it('serves seeded records', async () => {
    api.state.seed({ dispensations: [{ dispensation_id: 'dsp_seeded', status: 'STARTED', code: 'X' }] });
    expect(await get('/dispensing/v1/dispensations/dsp_seeded')).toEqual({ dispensation_id: 'dsp_seeded', status: 'STARTED', code: 'X' });
    // Events win over seeds.
    api.state.apply(fixture('dispensing.completed', { data: { dispensation_id: 'dsp_seeded', total_amount: 1 } }));
    expect(await get('/dispensing/v1/dispensations/dsp_seeded')).toMatchObject({ status: 'COMPLETED', code: 'X', total_amount: 1 });
  });

  it.each([
    ['/arc/v1/authorization-requests/areq_unknown', 'authorization request'],
    ['/dispensing/v1/dispensations/dsp_unknown', 'dispensation'],
    ['/ehr/v1/prescriptions/rx_unknown', 'prescription'],
    ['/v3/settlements/stl_unknown', 'settlement'],
  ])('GET %s answers 404 {error}', async (path, what) => {
    const response = await call(api, 'GET', path, token);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', message: `No ${what} with this id.` });
  });
});
