import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldDispensation, type DispensationState } from '../../src/domain/dispensation';
import {
  AUTHORIZATION_CODE,
  AUTHORIZATION_ID,
  DISPENSATION_ID,
  PRESCRIPTION_CODE,
  PRESCRIPTION_DISPENSATION_ID,
  arrivalOrder,
  fixtureApplied,
  permutations,
} from './applied-events';

const started = (): AppliedEvent => fixtureApplied('dispensing.started');
const completed = (): AppliedEvent => fixtureApplied('dispensing.completed');

/** The fixture cancellation (17:00), moved onto the story's dispensation: after its completion (16:25). */
const cancelledAfterCompletion = (
  changes: { eventId?: string; createdAt?: string; cancelledAt?: string; reason?: string } = {},
): AppliedEvent =>
  fixtureApplied('dispensing.cancelled', {
    ...(changes.eventId === undefined ? {} : { eventId: changes.eventId }),
    ...(changes.createdAt === undefined ? {} : { createdAt: changes.createdAt }),
    data: {
      dispensation_id: DISPENSATION_ID,
      code: AUTHORIZATION_CODE,
      code_type: 'AUTHORIZATION',
      ...(changes.cancelledAt === undefined ? {} : { cancelled_at: changes.cancelledAt }),
      ...(changes.reason === undefined ? {} : { reason: changes.reason }),
    },
  });

// started (16:20) then completed (16:25), folded by hand.
const COMPLETED: DispensationState = {
  dispensationId: DISPENSATION_ID,
  status: 'COMPLETED',
  code: AUTHORIZATION_CODE,
  codeType: 'AUTHORIZATION',
  authorizationId: AUTHORIZATION_ID,
  prescriptionId: undefined,
  products: [{ productCode: 'MED-042', quantity: 30, unitPrice: 12.5 }],
  totalAmount: 375,
  currencyCode: 'GTQ',
  claimId: 'clm_01JD0000000000000000000001',
  startedAt: '2026-11-25T16:20:00Z',
  completedAt: '2026-11-25T16:25:00Z',
  cancelledAt: undefined,
  cancelledAfterCompletion: false,
};

describe('foldDispensation', () => {
  it('with no events is UNKNOWN', () => {
    const state = foldDispensation(DISPENSATION_ID, []);
    expect(state.status).toBe('UNKNOWN');
    expect(state.products).toEqual([]);
    expect(state.cancelledAfterCompletion).toBe(false);
  });

  it('started: STARTED with the products being dispensed, no price, total or claim yet', () => {
    expect(foldDispensation(DISPENSATION_ID, [started()])).toEqual({
      dispensationId: DISPENSATION_ID,
      status: 'STARTED',
      code: AUTHORIZATION_CODE,
      codeType: 'AUTHORIZATION',
      authorizationId: undefined,
      prescriptionId: undefined,
      products: [{ productCode: 'MED-042', quantity: 30, unitPrice: undefined }],
      totalAmount: undefined,
      currencyCode: undefined,
      claimId: undefined,
      startedAt: '2026-11-25T16:20:00Z',
      completedAt: undefined,
      cancelledAt: undefined,
      cancelledAfterCompletion: false,
    });
  });

  it('started → completed: COMPLETED with products, unit prices, total, currency, claim and authorization from completed', () => {
    expect(foldDispensation(DISPENSATION_ID, [started(), completed()])).toEqual(COMPLETED);
  });

  it('completed replaces the started products (the completion is what was dispensed and claimed)', () => {
    const completion = fixtureApplied('dispensing.completed', {
      data: { products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }], total_amount: 250 },
    });
    const state = foldDispensation(DISPENSATION_ID, [started(), completion]);
    expect(state.products).toEqual([{ productCode: 'MED-042', quantity: 20, unitPrice: 12.5 }]);
    expect(state.totalAmount).toBe(250);
  });

  describe('completed before started', () => {
    it('completed arriving first, started after: the same COMPLETED state', () => {
      expect(foldDispensation(DISPENSATION_ID, [completed(), started()])).toEqual(COMPLETED);
    });

    it('completed alone is COMPLETED (started may never arrive)', () => {
      expect(foldDispensation(DISPENSATION_ID, [completed()])).toEqual({ ...COMPLETED, startedAt: undefined });
    });

    it('a started stamped after the completion never moves it back, nor drops the completed products', () => {
      const late = fixtureApplied('dispensing.started', {
        createdAt: '2026-11-25T16:30:00.000Z',
        data: { products: [{ product_code: 'MED-042', quantity: 5 }] },
      });
      const state = foldDispensation(DISPENSATION_ID, [completed(), late]);
      expect(state.status).toBe('COMPLETED');
      expect(state.products).toEqual([{ productCode: 'MED-042', quantity: 30, unitPrice: 12.5 }]);
      expect(state.totalAmount).toBe(375);
      expect(state.claimId).toBe('clm_01JD0000000000000000000001');
    });
  });

  describe('cancelled', () => {
    it('the fixture cancellation (a prescription dispensation): CANCELLED, not after a completion', () => {
      expect(foldDispensation(PRESCRIPTION_DISPENSATION_ID, [fixtureApplied('dispensing.cancelled')])).toEqual({
        dispensationId: PRESCRIPTION_DISPENSATION_ID,
        status: 'CANCELLED',
        code: PRESCRIPTION_CODE,
        codeType: 'PRESCRIPTION',
        authorizationId: undefined,
        prescriptionId: undefined,
        products: [],
        totalAmount: undefined,
        currencyCode: undefined,
        claimId: undefined,
        startedAt: undefined,
        completedAt: undefined,
        cancelledAt: '2026-11-25T17:00:00Z',
        cancelledAfterCompletion: false,
      });
    });

    it('started → cancelled: CANCELLED, keeps the started products, not after a completion', () => {
      const cancel = cancelledAfterCompletion({ createdAt: '2026-11-25T16:22:00.000Z', cancelledAt: '2026-11-25T16:22:00Z' });
      const state = foldDispensation(DISPENSATION_ID, [started(), cancel]);
      expect(state.status).toBe('CANCELLED');
      expect(state.cancelledAt).toBe('2026-11-25T16:22:00Z');
      expect(state.cancelledAfterCompletion).toBe(false);
      expect(state.completedAt).toBeUndefined();
      expect(state.products).toEqual([{ productCode: 'MED-042', quantity: 30, unitPrice: undefined }]);
    });

    it('without cancelled_at, the event’s created_at is the cancellation time', () => {
      const cancel = fixtureApplied('dispensing.cancelled', { omit: ['cancelled_at'] });
      expect(foldDispensation(PRESCRIPTION_DISPENSATION_ID, [cancel]).cancelledAt).toBe('2026-11-25T17:00:00.000Z');
    });
  });

  describe('cancelled after completed', () => {
    const CANCELLED_AFTER: DispensationState = {
      ...COMPLETED,
      status: 'CANCELLED',
      cancelledAt: '2026-11-25T17:00:00Z',
      cancelledAfterCompletion: true,
    };
    const orders = permutations([started(), completed(), cancelledAfterCompletion()]);

    it.each(orders.map((order) => [arrivalOrder(order), order] as const))(
      '%s: CANCELLED, cancelledAfterCompletion, completion kept',
      (_label, order) => {
        expect(foldDispensation(DISPENSATION_ID, order)).toEqual(CANCELLED_AFTER);
      },
    );

    // Two cancellations (a pharmacy cancel, then a timeout) must not make the voided claim look clean.
    it('a second cancellation after the first one does not clear cancelledAfterCompletion', () => {
      const first = cancelledAfterCompletion({ reason: 'PHARMACY_CANCELLED' });
      const second = cancelledAfterCompletion({
        eventId: 'evt_01JB0000000000000000000098',
        createdAt: '2026-11-25T17:05:00.000Z',
        cancelledAt: '2026-11-25T17:05:00Z',
      });
      const state = foldDispensation(DISPENSATION_ID, [started(), completed(), first, second]);
      expect(state.status).toBe('CANCELLED');
      expect(state.cancelledAfterCompletion).toBe(true);
    });
  });
});
