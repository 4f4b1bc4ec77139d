import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldAuthorization, type AuthorizationState, type RegisteredDispensation } from '../../src/domain/authorization';
import { foldDispensation, type DispensationState } from '../../src/domain/dispensation';
import {
  reconcileDispensation,
  reconcilePrescribed,
  type Discrepancy,
  type PrescriptionAnswer,
  type Reconciliation,
} from '../../src/domain/reconciliation';
import {
  AUTHORIZATION_CODE,
  AUTHORIZATION_ID,
  DISPENSATION_ID,
  PRESCRIPTION_CODE,
  PRESCRIPTION_DISPENSATION_ID,
  PRESCRIPTION_ID,
  REJECTED_REQUEST_ID,
  fixtureApplied,
} from './applied-events';

// ---- authorizations, folded from the fixtures -------------------------------------------------

/** The story after its update: CREATED, MED-042 × 20, code AUTH-2026-001234, valid until 2027-01-25. */
const approved = (...more: AppliedEvent[]): AuthorizationState =>
  foldAuthorization(AUTHORIZATION_ID, [fixtureApplied('authorization.created'), fixtureApplied('authorization.updated'), ...more]);

/** The fixture void (2026-11-26T09:00, after the dispensation) or one moved to `at`. */
const voidedAt = (at?: string): AppliedEvent =>
  at === undefined
    ? fixtureApplied('authorization.voided')
    : fixtureApplied('authorization.voided', { createdAt: at, data: { voided_at: at } });

// ---- dispensations, folded from the fixtures -------------------------------------------------

interface CompletedProduct {
  product_code: string;
  quantity: number;
  unit_price?: number;
}

interface Completion {
  products?: CompletedProduct[];
  /** `null` removes total_amount from the event. */
  total?: number | null;
  code?: string;
}

/** started + completed of the story's dispensation (completed 2026-11-25T16:25), with changes. */
function dispensed(completion: Completion = {}, ...more: AppliedEvent[]): DispensationState {
  const data: Record<string, unknown> = {};
  if (completion.products !== undefined) data.products = completion.products;
  if (typeof completion.total === 'number') data.total_amount = completion.total;
  if (completion.code !== undefined) data.code = completion.code;
  const changes = completion.total === null ? { data, omit: ['total_amount'] } : { data };
  const started = fixtureApplied('dispensing.started', completion.code === undefined ? {} : { data: { code: completion.code } });
  return foldDispensation(DISPENSATION_ID, [started, fixtureApplied('dispensing.completed', changes), ...more]);
}

/** Exactly what was authorized after the update: 20 × 12.50 = 250.00. */
const within = (): DispensationState => dispensed({ products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }], total: 250 });

/** The fixture dispensation unchanged: 30 × 12.50 = 375.00. */
const story = (): DispensationState => dispensed();

/** The fixture cancellation (17:00) moved onto the story's dispensation, after its completion. */
const cancellationAfterCompletion = (code: string = AUTHORIZATION_CODE): AppliedEvent =>
  fixtureApplied('dispensing.cancelled', { data: { dispensation_id: DISPENSATION_ID, code, code_type: 'AUTHORIZATION' } });

const registered = (dispensationId: string, code: string | undefined = AUTHORIZATION_CODE): RegisteredDispensation => ({
  dispensationId,
  code,
  completedAt: '2026-11-25T16:10:00Z',
});

const reconciled: Reconciliation = { result: 'reconciled' };
const discrepancy = (...discrepancies: Discrepancy[]): Reconciliation => ({ result: 'discrepancy', discrepancies });
const rulesOf = (reconciliation: Reconciliation): string[] =>
  reconciliation.result === 'reconciled' ? [] : reconciliation.discrepancies.map((found) => found.rule);

describe('reconcileDispensation', () => {
  it('the baseline used below is clean: 20 units within an authorization of 20 → reconciled', () => {
    expect(within().status).toBe('COMPLETED');
    expect(approved().status).toBe('CREATED');
    expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
  });

  describe('one rule at a time: failing, then passing', () => {
    it('authorization_unknown: no authorization, or one with no events, fails; a known one passes', () => {
      const expected = discrepancy({ rule: 'authorization_unknown', authorizationId: AUTHORIZATION_ID });
      expect(reconcileDispensation(within(), undefined, [])).toEqual(expected);
      expect(reconcileDispensation(within(), foldAuthorization(AUTHORIZATION_ID, []), [])).toEqual(expected);

      expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
    });

    it('authorization_not_approved: a rejected authorization fails; an approved one passes', () => {
      const rejected = foldAuthorization(REJECTED_REQUEST_ID, [fixtureApplied('authorization.rejected')]);
      const result = reconcileDispensation(within(), rejected, []);
      expect(result.result).toBe('discrepancy');
      expect(rulesOf(result)).toContain('authorization_not_approved');
      expect(result).toEqual(
        discrepancy(
          { rule: 'authorization_not_approved', status: 'REJECTED' },
          // Nothing was ever authorized by a rejection, so the product is not either.
          { rule: 'product_not_authorized', productCode: 'MED-042' },
        ),
      );

      expect(rulesOf(reconcileDispensation(within(), approved(), []))).not.toContain('authorization_not_approved');
    });

    it('authorization_voided: voided before dispensing fails; voided after dispensing passes', () => {
      const before = approved(voidedAt('2026-11-25T16:00:00Z'));
      expect(before.status).toBe('VOIDED');
      expect(reconcileDispensation(within(), before, [])).toEqual(
        discrepancy({ rule: 'authorization_voided', voidedAt: '2026-11-25T16:00:00Z' }),
      );

      // The fixture void: 2026-11-26T09:00, the day after the 16:25 completion.
      const after = approved(voidedAt());
      expect(after.status).toBe('VOIDED');
      expect(reconcileDispensation(within(), after, [])).toEqual(reconciled);
    });

    it('authorization_expired: expired before the completion fails; still valid passes', () => {
      const expired = foldAuthorization(AUTHORIZATION_ID, [
        fixtureApplied('authorization.created', { data: { expires_at: '2026-11-25T16:00:00Z' } }),
      ]);
      expect(reconcileDispensation(within(), expired, [])).toEqual(
        discrepancy({ rule: 'authorization_expired', expiresAt: '2026-11-25T16:00:00Z' }),
      );

      // The update extended validity to 2027-01-25; the created event alone said 2026-12-25.
      expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
      expect(reconcileDispensation(within(), foldAuthorization(AUTHORIZATION_ID, [fixtureApplied('authorization.created')]), [])).toEqual(
        reconciled,
      );
    });

    it('code_mismatch: a dispensation under another code fails; the authorization’s own code passes', () => {
      const other = dispensed({
        products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }],
        total: 250,
        code: 'AUTH-2026-009999',
      });
      expect(reconcileDispensation(other, approved(), [])).toEqual(
        discrepancy({ rule: 'code_mismatch', dispensedCode: 'AUTH-2026-009999', authorizationCode: AUTHORIZATION_CODE }),
      );

      expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
    });

    it('product_not_authorized: a product the authorization does not list fails; listed products pass', () => {
      const extra = dispensed({
        products: [
          { product_code: 'MED-042', quantity: 20, unit_price: 12.5 },
          { product_code: 'MED-077', quantity: 2, unit_price: 4 },
        ],
        total: 258,
      });
      expect(reconcileDispensation(extra, approved(), [])).toEqual(discrepancy({ rule: 'product_not_authorized', productCode: 'MED-077' }));

      expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
    });

    it('quantity_exceeds_authorized: the fixture story (30 dispensed, 20 authorized after the update) fails; exactly 20 passes', () => {
      expect(story().products).toEqual([{ productCode: 'MED-042', quantity: 30, unitPrice: 12.5 }]);
      expect(approved().products).toEqual([{ productCode: 'MED-042', authorizedQuantity: 20 }]);
      expect(reconcileDispensation(story(), approved(), [])).toEqual(
        discrepancy({ rule: 'quantity_exceeds_authorized', productCode: 'MED-042', dispensed: 30, authorized: 20 }),
      );
      // Lines of one product are added up: 10 + 11 = 21 > 20.
      const split = dispensed({
        products: [
          { product_code: 'MED-042', quantity: 10, unit_price: 12.5 },
          { product_code: 'MED-042', quantity: 11, unit_price: 12.5 },
        ],
        total: 262.5,
      });
      expect(reconcileDispensation(split, approved(), [])).toEqual(
        discrepancy({ rule: 'quantity_exceeds_authorized', productCode: 'MED-042', dispensed: 21, authorized: 20 }),
      );

      expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
      // Before the update, 30 were authorized: the same fixture dispensation was fine then.
      expect(reconcileDispensation(story(), foldAuthorization(AUTHORIZATION_ID, [fixtureApplied('authorization.created')]), [])).toEqual(
        reconciled,
      );
    });

    it('total_mismatch: compared in cents (3 × 0.1 = 0.3 passes); a wrong or missing total, or a missing unit_price, fails', () => {
      expect(3 * 0.1).not.toBe(0.3); // the float trap this rule must not fall into
      const threeTimesPointOne = dispensed({ products: [{ product_code: 'MED-042', quantity: 3, unit_price: 0.1 }], total: 0.3 });
      expect(reconcileDispensation(threeTimesPointOne, approved(), [])).toEqual(reconciled);
      const pointOnePlusPointTwo = dispensed({
        products: [
          { product_code: 'MED-042', quantity: 1, unit_price: 0.1 },
          { product_code: 'MED-042', quantity: 1, unit_price: 0.2 },
        ],
        total: 0.3,
      });
      expect(reconcileDispensation(pointOnePlusPointTwo, approved(), [])).toEqual(reconciled);

      const wrong = dispensed({ products: [{ product_code: 'MED-042', quantity: 3, unit_price: 0.1 }], total: 0.31 });
      expect(reconcileDispensation(wrong, approved(), [])).toEqual(discrepancy({ rule: 'total_mismatch', expected: 0.3, actual: 0.31 }));

      const noTotal = dispensed({ products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }], total: null });
      expect(noTotal.totalAmount).toBeUndefined();
      expect(reconcileDispensation(noTotal, approved(), [])).toEqual(
        discrepancy({ rule: 'total_mismatch', expected: 250, actual: undefined }),
      );

      const noUnitPrice = dispensed({ products: [{ product_code: 'MED-042', quantity: 20 }], total: 250 });
      expect(noUnitPrice.products).toEqual([{ productCode: 'MED-042', quantity: 20, unitPrice: undefined }]);
      const result = reconcileDispensation(noUnitPrice, approved(), []);
      expect(rulesOf(result)).toEqual(['total_mismatch']);
      expect(result).toMatchObject({ discrepancies: [{ rule: 'total_mismatch', actual: 250 }] });
    });

    it('partial claims: several dispensations within the authorized quantity together all pass', () => {
      // Authorized 20 (fixture update); this one dispenses 20 alone, so a partial one of 0 before it is fine.
      const partial = {
        ...registered('dsp_01JC0000000000000000000099'),
        completedAt: '2026-11-25T10:00:00Z',
        products: [{ productCode: 'MED-042', quantity: 0 }],
      };
      expect(
        reconcileDispensation(within(), approved(), [
          partial,
          { ...registered(DISPENSATION_ID), products: [{ productCode: 'MED-042', quantity: 20 }] },
        ]),
      ).toEqual(reconciled);
    });

    it('cumulative quantity over the authorized one is flagged on the later completion, whatever order they registered in', () => {
      const half = (): DispensationState =>
        dispensed({ products: [{ product_code: 'MED-042', quantity: 12, unit_price: 12.5 }], total: 150 });
      const earlier = {
        ...registered('dsp_01JC0000000000000000000099'),
        completedAt: '2026-11-25T10:00:00Z',
        products: [{ productCode: 'MED-042', quantity: 12 }],
      };
      const later = {
        ...registered('dsp_01JC0000000000000000000098'),
        completedAt: '2026-11-25T23:00:00Z',
        products: [{ productCode: 'MED-042', quantity: 12 }],
      };
      // This one (16:10) comes after `earlier`: 12 + 12 > 20.
      expect(reconcileDispensation(half(), approved(), [later, earlier])).toEqual(
        discrepancy({
          rule: 'cumulative_quantity_exceeds_authorized',
          productCode: 'MED-042',
          cumulative: 24,
          authorized: 20,
          earlierDispensationIds: ['dsp_01JC0000000000000000000099'],
        }),
      );
      // Only `later` registered: this one is first, and within the quantity.
      expect(reconcileDispensation(half(), approved(), [later])).toEqual(reconciled);
      // A cancelled earlier one no longer counts.
      expect(reconcileDispensation(half(), approved(), [{ ...earlier, cancelled: true }])).toEqual(reconciled);
    });

    it('an unknown code_type is still held to its authorization', () => {
      const unknownType = { ...story(), codeType: 'SOMETHING_NEW' };
      expect(rulesOf(reconcileDispensation(unknownType, approved(), []))).toContain('quantity_exceeds_authorized');
    });

    it('cancelled_after_completion: a cancellation after the completion fails; a completion alone passes', () => {
      const cancelled = dispensed(
        { products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }], total: 250 },
        cancellationAfterCompletion(),
      );
      expect(cancelled.status).toBe('CANCELLED');
      expect(cancelled.cancelledAfterCompletion).toBe(true);
      expect(reconcileDispensation(cancelled, approved(), [])).toEqual(
        discrepancy({ rule: 'cancelled_after_completion', cancelledAt: '2026-11-25T17:00:00Z' }),
      );

      expect(reconcileDispensation(within(), approved(), [])).toEqual(reconciled);
    });
  });

  it('a clean dispensation is exactly {result: "reconciled"}', () => {
    expect(reconcileDispensation(within(), approved(voidedAt()), [registered(DISPENSATION_ID)])).toStrictEqual({ result: 'reconciled' });
  });

  it('reports every discrepancy at once, not only the first', () => {
    // The story at its worst: 30 of 20 units, under a wrong code, priced wrong, against an
    // authorization voided before the completion, whose code another dispensation already used,
    // and cancelled after it was completed.
    const dispensation = dispensed(
      {
        products: [
          { product_code: 'MED-042', quantity: 30, unit_price: 12.5 },
          { product_code: 'MED-077', quantity: 1, unit_price: 4 },
        ],
        total: 300,
        code: 'AUTH-2026-009999',
      },
      cancellationAfterCompletion('AUTH-2026-009999'),
    );
    expect(dispensation.code).toBe('AUTH-2026-009999');
    const authorization = approved(voidedAt('2026-11-25T16:00:00Z'));
    const result = reconcileDispensation(dispensation, authorization, [registered('dsp_01JC0000000000000000000099', 'AUTH-2026-009999')]);
    expect(result.result).toBe('discrepancy');
    expect([...rulesOf(result)].sort()).toEqual([
      'authorization_voided',
      'cancelled_after_completion',
      'code_mismatch',
      'product_not_authorized',
      'quantity_exceeds_authorized',
      'total_mismatch',
    ]);
    expect(result).toMatchObject({
      discrepancies: expect.arrayContaining([
        { rule: 'total_mismatch', expected: 379, actual: 300 },
        { rule: 'quantity_exceeds_authorized', productCode: 'MED-042', dispensed: 30, authorized: 20 },
        { rule: 'product_not_authorized', productCode: 'MED-077' },
      ]) as unknown,
    });
  });

  it('with no authorization to check against, still reports the dispensation’s own discrepancies beside authorization_unknown', () => {
    const dispensation = dispensed(
      { products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }], total: 240 },
      cancellationAfterCompletion(),
    );
    expect(reconcileDispensation(dispensation, undefined, [])).toEqual(
      discrepancy(
        { rule: 'cancelled_after_completion', cancelledAt: '2026-11-25T17:00:00Z' },
        { rule: 'total_mismatch', expected: 250, actual: 240 },
        { rule: 'authorization_unknown', authorizationId: AUTHORIZATION_ID },
      ),
    );
  });

  describe('a PRESCRIPTION-coded dispensation', () => {
    const prescriptionDispensation = (total: number): DispensationState =>
      foldDispensation(PRESCRIPTION_DISPENSATION_ID, [
        fixtureApplied('dispensing.completed', {
          data: {
            dispensation_id: PRESCRIPTION_DISPENSATION_ID,
            code: PRESCRIPTION_CODE,
            code_type: 'PRESCRIPTION',
            authorization_id: null,
            prescription_id: PRESCRIPTION_ID,
            products: [{ product_code: 'MED-099', quantity: 30, unit_price: 12.5 }],
            total_amount: total,
          },
        }),
      ]);

    const prescribed = (quantity: number, productCode = 'MED-099'): PrescriptionAnswer => ({ medications: [{ productCode, quantity }] });

    it('is checked against its prescription, not an authorization: within what was prescribed it is reconciled', () => {
      const dispensation = prescriptionDispensation(375);
      expect(dispensation.codeType).toBe('PRESCRIPTION');
      expect(dispensation.prescriptionId).toBe(PRESCRIPTION_ID);
      expect(reconcilePrescribed(dispensation, prescribed(30))).toEqual(reconciled);
    });

    it('prescription_unknown, product_not_prescribed, quantity_exceeds_prescribed', () => {
      const dispensation = prescriptionDispensation(375);
      expect(reconcilePrescribed(dispensation, { medications: undefined })).toEqual(
        discrepancy({ rule: 'prescription_unknown', prescriptionId: PRESCRIPTION_ID }),
      );
      expect(reconcilePrescribed(dispensation, prescribed(30, 'MED-042'))).toEqual(
        discrepancy({ rule: 'product_not_prescribed', productCode: 'MED-099' }),
      );
      expect(reconcilePrescribed(dispensation, prescribed(20))).toEqual(
        discrepancy({ rule: 'quantity_exceeds_prescribed', productCode: 'MED-099', dispensed: 30, prescribed: 20 }),
      );
    });

    it('still checks its total', () => {
      expect(reconcilePrescribed(prescriptionDispensation(370), prescribed(30))).toEqual(
        discrepancy({ rule: 'total_mismatch', expected: 375, actual: 370 }),
      );
    });
  });
});
