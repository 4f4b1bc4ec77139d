import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldSettlement, rejectedClaims, type SettlementClaim } from '../../src/domain/settlement';
import { arrivalOrder, fixtureApplied, permutations } from './applied-events';

const PAID_ID = 'stl_01JH0000000000000000000001';
const REJECTED_ID = 'stl_01JH0000000000000000000002';
const PARTIAL_ID = 'stl_01JH0000000000000000000003';

const paid = (): AppliedEvent => fixtureApplied('settlement.paid');
const rejected = (): AppliedEvent => fixtureApplied('settlement.rejected');
const partial = (): AppliedEvent => fixtureApplied('settlement.partially_accepted');

/** Another outcome for the partially accepted batch (10:10), stamped later. */
const laterOutcome = (eventType: 'settlement.paid' | 'settlement.rejected', createdAt = '2026-11-27T11:00:00.000Z'): AppliedEvent =>
  fixtureApplied(eventType, { createdAt, data: { settlement_id: PARTIAL_ID } });

const ACCEPTED_CLAIM: SettlementClaim = {
  claimId: 'clm_01JD0000000000000000000002',
  authorizationId: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2P',
  status: 'ACCEPTED',
  amount: 9500,
  rejectionReason: undefined,
};
const REJECTED_CLAIM: SettlementClaim = {
  claimId: 'clm_01JD0000000000000000000003',
  authorizationId: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2Q',
  status: 'REJECTED',
  amount: 2500,
  rejectionReason: 'Missing signed invoice',
};

describe('foldSettlement', () => {
  it('with no outcome is UNKNOWN; events of other families are ignored', () => {
    const state = foldSettlement(PAID_ID, [fixtureApplied('authorization.created')]);
    expect(state.status).toBe('UNKNOWN');
    expect(state.decidedAt).toBeUndefined();
    expect(state.settledAmount).toBeUndefined();
  });

  it('paid: PAID, settled the paid amount, with its payment reference', () => {
    expect(foldSettlement(PAID_ID, [paid()])).toEqual({
      settlementId: PAID_ID,
      status: 'PAID',
      period: '2026-10',
      currencyCode: 'DOP',
      totalAmount: 15230.5,
      settledAmount: 15230.5,
      paymentReference: 'PAY-2026-55501',
      claims: [],
      decidedAt: '2026-11-27T10:00:00.000Z',
    });
  });

  it('rejected: REJECTED, settledAmount 0', () => {
    expect(foldSettlement(REJECTED_ID, [rejected()])).toEqual({
      settlementId: REJECTED_ID,
      status: 'REJECTED',
      period: '2026-10',
      currencyCode: 'DOP',
      totalAmount: 8200,
      settledAmount: 0,
      paymentReference: undefined,
      claims: [],
      decidedAt: '2026-11-27T10:05:00.000Z',
      // The sponsor's reason is kept (encrypted state only).
      rejectionReason: 'Invoice NCF does not match sponsor records',
    });
  });

  it('partially accepted: PARTIALLY_ACCEPTED, settled the accepted amount, each claim with its own fate', () => {
    expect(foldSettlement(PARTIAL_ID, [partial()])).toEqual({
      settlementId: PARTIAL_ID,
      status: 'PARTIALLY_ACCEPTED',
      period: '2026-10',
      currencyCode: 'DOP',
      totalAmount: 12000,
      settledAmount: 9500,
      paymentReference: undefined,
      claims: [ACCEPTED_CLAIM, REJECTED_CLAIM],
      decidedAt: '2026-11-27T10:10:00.000Z',
    });
  });

  it('a claim with an unexpected status is kept as UNKNOWN; one without claim_id is dropped', () => {
    const event = fixtureApplied('settlement.partially_accepted', {
      data: {
        claims: [
          { claim_id: 'clm_x', status: 'PENDING', amount: 1 },
          { status: 'REJECTED', amount: 2 },
        ],
      },
    });
    expect(foldSettlement(PARTIAL_ID, [event]).claims).toEqual([
      { claimId: 'clm_x', authorizationId: undefined, status: 'UNKNOWN', amount: 1, rejectionReason: undefined },
    ]);
  });

  describe('the newest outcome decides the batch', () => {
    it('paid after a partial acceptance marks every known claim ACCEPTED', () => {
      for (const order of [
        [partial(), laterOutcome('settlement.paid')],
        [laterOutcome('settlement.paid'), partial()],
      ]) {
        const state = foldSettlement(PARTIAL_ID, order);
        expect(state.status).toBe('PAID');
        expect(state.settledAmount).toBe(15230.5);
        expect(state.paymentReference).toBe('PAY-2026-55501');
        expect(state.claims.map((claim) => [claim.claimId, claim.status])).toEqual([
          ['clm_01JD0000000000000000000002', 'ACCEPTED'],
          ['clm_01JD0000000000000000000003', 'ACCEPTED'],
        ]);
        expect(rejectedClaims(state)).toEqual([]);
      }
    });

    it('rejected after a partial acceptance rejects every known claim and settles 0', () => {
      const state = foldSettlement(PARTIAL_ID, [laterOutcome('settlement.rejected'), partial()]);
      expect(state.status).toBe('REJECTED');
      expect(state.settledAmount).toBe(0);
      expect(rejectedClaims(state).map((claim) => claim.claimId)).toEqual([
        'clm_01JD0000000000000000000002',
        'clm_01JD0000000000000000000003',
      ]);
    });

    it('a partial acceptance stamped before a paid one does not undo it, whatever the arrival order', () => {
      const orders = permutations([
        partial(),
        laterOutcome('settlement.paid'),
        laterOutcome('settlement.rejected', '2026-11-27T10:05:00.000Z'),
      ]);
      for (const order of orders) {
        // rejected (10:05) → partial (10:10) → paid (11:00)
        const state = foldSettlement(PARTIAL_ID, order);
        expect([arrivalOrder(order), state.status, state.decidedAt]).toEqual([arrivalOrder(order), 'PAID', '2026-11-27T11:00:00.000Z']);
        expect(rejectedClaims(state)).toEqual([]);
      }
    });

    it('a stale rejection arriving after the payment does not override it', () => {
      const state = foldSettlement(PARTIAL_ID, [
        laterOutcome('settlement.paid'),
        laterOutcome('settlement.rejected', '2026-11-27T10:30:00.000Z'),
      ]);
      expect(state.status).toBe('PAID');
      expect(state.settledAmount).toBe(15230.5);
    });
  });
});

describe('rejectedClaims', () => {
  it('lists the rejected claims of a partial acceptance, and only those', () => {
    expect(rejectedClaims(foldSettlement(PARTIAL_ID, [partial()]))).toEqual([REJECTED_CLAIM]);
  });

  it('is empty when no claims are known (paid or rejected batches list none)', () => {
    expect(rejectedClaims(foldSettlement(PAID_ID, [paid()]))).toEqual([]);
    expect(rejectedClaims(foldSettlement(REJECTED_ID, [rejected()]))).toEqual([]);
  });
});
