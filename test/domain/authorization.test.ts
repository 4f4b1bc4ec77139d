import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldAuthorization, isAuthorizationFinal, type AuthorizationState } from '../../src/domain/authorization';
import {
  AUTHORIZATION_CODE,
  AUTHORIZATION_ID,
  AUTHORIZATION_REQUEST_ID,
  REJECTED_REQUEST_ID,
  arrivalOrder,
  fixtureApplied,
  permutations,
} from './applied-events';

const created = (): AppliedEvent => fixtureApplied('authorization.created');
const updated = (): AppliedEvent => fixtureApplied('authorization.updated');
const voided = (): AppliedEvent => fixtureApplied('authorization.voided');

// The fixture story folded by hand: created (30 units) → updated (20 units, new expiry,
// DIRECT_PAYMENT) → voided by the sponsor. Written out, not computed, so a wrong fold fails here.
const STORY_END: AuthorizationState = {
  resourceId: AUTHORIZATION_ID,
  status: 'VOIDED',
  authorizationId: AUTHORIZATION_ID,
  authorizationCode: AUTHORIZATION_CODE,
  authorizationRequestId: AUTHORIZATION_REQUEST_ID,
  products: [{ productCode: 'MED-042', authorizedQuantity: 20 }],
  expiresAt: '2027-01-25T00:00:00Z',
  voidedAt: '2026-11-26T09:00:00Z',
  voidedBy: 'SPONSOR',
  // Operational, kept in the (encrypted) state only.
  voidReason: 'Duplicate authorization',
  paymentType: 'DIRECT_PAYMENT',
  decidedAt: '2026-11-25T14:22:11.789Z',
  lastEventAt: '2026-11-26T09:00:00.000Z',
};

describe('foldAuthorization', () => {
  it('with no events is UNKNOWN and empty', () => {
    expect(foldAuthorization(AUTHORIZATION_ID, [])).toEqual({
      resourceId: AUTHORIZATION_ID,
      status: 'UNKNOWN',
      authorizationId: undefined,
      authorizationCode: undefined,
      authorizationRequestId: undefined,
      products: [],
      expiresAt: undefined,
      voidedAt: undefined,
      voidedBy: undefined,
      paymentType: undefined,
      decidedAt: undefined,
      lastEventAt: undefined,
    });
  });

  it('created alone: CREATED with the requested quantities, decided when Osigu created the event', () => {
    expect(foldAuthorization(AUTHORIZATION_ID, [created()])).toEqual({
      resourceId: AUTHORIZATION_ID,
      status: 'CREATED',
      authorizationId: AUTHORIZATION_ID,
      authorizationCode: AUTHORIZATION_CODE,
      authorizationRequestId: AUTHORIZATION_REQUEST_ID,
      products: [{ productCode: 'MED-042', authorizedQuantity: 30 }],
      expiresAt: '2026-12-25T00:00:00Z',
      voidedAt: undefined,
      voidedBy: undefined,
      paymentType: undefined,
      decidedAt: '2026-11-25T14:22:11.789Z',
      lastEventAt: '2026-11-25T14:22:11.789Z',
    });
  });

  describe('every arrival order of created, updated and voided folds to the same state', () => {
    const orders = permutations([created(), updated(), voided()]);

    it('covers all 6 orders', () => {
      expect(orders).toHaveLength(6);
      expect(new Set(orders.map(arrivalOrder)).size).toBe(6);
    });

    it.each(orders.map((order) => [arrivalOrder(order), order] as const))('%s', (_label, order) => {
      expect(foldAuthorization(AUTHORIZATION_ID, order)).toEqual(STORY_END);
    });
  });

  it('does not reorder the caller’s array', () => {
    const order = [voided(), created(), updated()];
    foldAuthorization(AUTHORIZATION_ID, order);
    expect(order.map((event) => event.eventType)).toEqual(['authorization.voided', 'authorization.created', 'authorization.updated']);
  });

  describe('updated arriving before created', () => {
    it('updated alone already means approved: CREATED with the authorized quantity, no decision time yet', () => {
      const state = foldAuthorization(AUTHORIZATION_ID, [updated()]);
      expect(state.status).toBe('CREATED');
      expect(state.products).toEqual([{ productCode: 'MED-042', authorizedQuantity: 20 }]);
      expect(state.decidedAt).toBeUndefined();
    });

    it('the late created fills in what only it carries and keeps the updated products (20, not 30)', () => {
      // Without authorization_code on the update, only `created` can supply it.
      const update = fixtureApplied('authorization.updated', { omit: ['authorization_code'] });
      expect(foldAuthorization(AUTHORIZATION_ID, [update, created()])).toEqual({
        resourceId: AUTHORIZATION_ID,
        status: 'CREATED',
        authorizationId: AUTHORIZATION_ID,
        authorizationCode: AUTHORIZATION_CODE,
        authorizationRequestId: AUTHORIZATION_REQUEST_ID,
        products: [{ productCode: 'MED-042', authorizedQuantity: 20 }],
        expiresAt: '2027-01-25T00:00:00Z',
        voidedAt: undefined,
        voidedBy: undefined,
        paymentType: 'DIRECT_PAYMENT',
        decidedAt: '2026-11-25T14:22:11.789Z',
        lastEventAt: '2026-11-25T15:00:00.000Z',
      });
    });
  });

  it('a stale (older) update arriving after a newer one does not override it', () => {
    const newer = fixtureApplied('authorization.updated', {
      eventId: 'evt_01JB0000000000000000000099',
      createdAt: '2026-11-25T15:30:00.000Z',
      data: {
        payment_type: 'REIMBURSEMENT',
        expires_at: '2027-02-25T00:00:00Z',
        products: [{ product_code: 'MED-042', quantity: 30, authorized_quantity: 25, posology: '1c/8h', status: 'APPROVED' }],
      },
    });
    const older = updated();
    for (const order of [
      [created(), newer, older],
      [newer, older, created()],
    ]) {
      const state = foldAuthorization(AUTHORIZATION_ID, order);
      expect(state.products).toEqual([{ productCode: 'MED-042', authorizedQuantity: 25 }]);
      expect(state.paymentType).toBe('REIMBURSEMENT');
      expect(state.expiresAt).toBe('2027-02-25T00:00:00Z');
      expect(state.lastEventAt).toBe('2026-11-25T15:30:00.000Z');
    }
  });

  it('rejected: the resource is the request id, REJECTED, no authorization id, nothing authorized', () => {
    expect(foldAuthorization(REJECTED_REQUEST_ID, [fixtureApplied('authorization.rejected')])).toEqual({
      resourceId: REJECTED_REQUEST_ID,
      status: 'REJECTED',
      authorizationId: undefined,
      authorizationCode: undefined,
      authorizationRequestId: REJECTED_REQUEST_ID,
      products: [],
      expiresAt: undefined,
      voidedAt: undefined,
      voidedBy: undefined,
      paymentType: undefined,
      decidedAt: '2026-11-25T14:23:00.000Z',
      lastEventAt: '2026-11-25T14:23:00.000Z',
      rejectionReason: "Product not covered by the beneficiary's plan",
    });
  });

  describe('voided', () => {
    it('sets voidedAt from voided_at and voidedBy from voided_by', () => {
      const state = foldAuthorization(AUTHORIZATION_ID, [created(), voided()]);
      expect(state.status).toBe('VOIDED');
      expect(state.voidedAt).toBe('2026-11-26T09:00:00Z');
      expect(state.voidedBy).toBe('SPONSOR');
      // What the void does not carry is kept from the created event.
      expect(state.products).toEqual([{ productCode: 'MED-042', authorizedQuantity: 30 }]);
      expect(state.decidedAt).toBe('2026-11-25T14:22:11.789Z');
    });

    it('without voided_at, the event’s created_at is the void time', () => {
      const state = foldAuthorization(AUTHORIZATION_ID, [
        created(),
        fixtureApplied('authorization.voided', { createdAt: '2026-11-26T10:00:00.000Z', omit: ['voided_at'] }),
      ]);
      expect(state.voidedAt).toBe('2026-11-26T10:00:00.000Z');
    });

    it('a created stamped after the void (clock skew) does not revive the authorization', () => {
      const late = fixtureApplied('authorization.created', { createdAt: '2026-11-26T09:30:00.000Z' });
      const state = foldAuthorization(AUTHORIZATION_ID, [voided(), late]);
      expect(state.status).toBe('VOIDED');
      expect(state.voidedAt).toBe('2026-11-26T09:00:00Z');
    });

    it('an update stamped after the void does not revive it either', () => {
      const late = fixtureApplied('authorization.updated', { createdAt: '2026-11-26T09:30:00.000Z' });
      expect(foldAuthorization(AUTHORIZATION_ID, [created(), voided(), late]).status).toBe('VOIDED');
    });
  });
});

describe('isAuthorizationFinal', () => {
  it.each([
    ['no events (UNKNOWN): not final', AUTHORIZATION_ID, [], false],
    ['created (CREATED): not final', AUTHORIZATION_ID, [created()], false],
    ['created and updated (CREATED): not final', AUTHORIZATION_ID, [created(), updated()], false],
    ['rejected (REJECTED): final', REJECTED_REQUEST_ID, [fixtureApplied('authorization.rejected')], true],
    ['created then voided (VOIDED): final', AUTHORIZATION_ID, [created(), voided()], true],
    ['the whole story (VOIDED): final', AUTHORIZATION_ID, [created(), updated(), voided()], true],
  ] as const)('%s', (_label, resourceId, events, final) => {
    expect(isAuthorizationFinal(foldAuthorization(resourceId, events))).toBe(final);
  });
});
