import { discrepancyOpenedAt, summarizeEntity } from '../../src/ops/summaries';

// Views as the entities answer, salted with what must never be printed.
const PHI = ['Ana López', 'ana@example.com', 'MED-042', '1c/8h', 'not covered by the plan', 'dr-house', 'private note'];

describe('summarizeEntity', () => {
  it('keeps ids, statuses, rules and amounts of a dispensation, and nothing else', () => {
    const summary = summarizeEntity('dispensation', 'dsp_1', {
      dispensation: {
        dispensationId: 'dsp_1',
        status: 'COMPLETED',
        code: 'AUTH-1',
        codeType: 'AUTHORIZATION',
        authorizationId: 'auth_1',
        products: [{ productCode: 'MED-042', quantity: 30, unitPrice: 12.5, posology: '1c/8h' }],
        totalAmount: 375,
        currencyCode: 'GTQ',
        claimId: 'clm_1',
        patient: { name: 'Ana López', email: 'ana@example.com' },
      },
      reconciliation: {
        result: 'discrepancy',
        discrepancies: [
          { rule: 'quantity_exceeds_authorized', productCode: 'MED-042', dispensed: 30, authorized: 20 },
          { rule: 'product_not_authorized', productCode: 'MED-042' },
        ],
      },
      resolution: { decision: 'accept', by: 'maria', note: 'private note', at: '2026-01-01T00:00:00Z' },
      escalations: 2,
      flags: ['discrepancy_resolved'],
      notifications: [],
      eventIds: ['evt_1'],
    });
    expect(summary).toMatchObject({
      kind: 'dispensation',
      status: 'COMPLETED',
      flags: ['discrepancy_resolved'],
      eventIds: ['evt_1'],
      details: { totalAmount: 375, currencyCode: 'GTQ', claimId: 'clm_1', reconciliation: 'discrepancy', escalations: 2 },
      discrepancies: [
        { rule: 'quantity_exceeds_authorized', amounts: { dispensed: 30, authorized: 20 } },
        { rule: 'product_not_authorized', amounts: {} },
      ],
      resolution: { decision: 'accept', by: 'maria', at: '2026-01-01T00:00:00Z' },
    });
    const printed = JSON.stringify(summary);
    for (const secret of PHI) expect(printed).not.toContain(secret);
  });

  it('keeps claim ids but not rejection reasons of a settlement, and not who voided an authorization', () => {
    const settlement = JSON.stringify(
      summarizeEntity('settlement', 'stl_1', {
        settlement: { status: 'PARTIALLY_ACCEPTED', totalAmount: 100, settledAmount: 60, claims: [{}, {}] },
        rejectedClaims: [{ claimId: 'clm_9', amount: 40, rejectionReason: 'not covered by the plan' }],
        flags: ['claims_rejected'],
        eventIds: [],
      }),
    );
    expect(settlement).toContain('clm_9');
    expect(settlement).toContain('"claims":2');
    const authorization = JSON.stringify(
      summarizeEntity('authorization', 'auth_1', { authorization: { status: 'VOIDED', voidedBy: 'dr-house' } }),
    );
    for (const text of [settlement, authorization]) for (const secret of PHI) expect(text).not.toContain(secret);
  });

  it('survives an answer of another shape (an older or newer entity)', () => {
    expect(summarizeEntity('prescription', 'rx_1', null)).toEqual({
      kind: 'prescription',
      resourceId: 'rx_1',
      status: 'UNKNOWN',
      flags: [],
      eventIds: [],
      details: { prescriptionCode: null, version: null, issuedAt: null, deliveredAt: null, failedAt: null },
    });
  });
});

it('takes the opening time of the last discrepancy notification', () => {
  expect(
    discrepancyOpenedAt({
      notifications: [
        { kind: 'dispensation.discrepancy', at: '2026-01-01T00:00:00Z' },
        { kind: 'dispensation.discrepancy_escalated', at: '2026-01-02T00:00:00Z' },
        { kind: 'dispensation.discrepancy', at: '2026-01-03T00:00:00Z' },
      ],
    }),
  ).toBe('2026-01-03T00:00:00Z');
  expect(discrepancyOpenedAt({})).toBeNull();
});
