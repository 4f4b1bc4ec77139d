import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldPrescription } from '../../src/domain/prescription';
import { PRESCRIPTION_CODE, PRESCRIPTION_ID, arrivalOrder, fixtureApplied, permutations } from './applied-events';

const issued = (): AppliedEvent => fixtureApplied('prescription.issued');
// In the fixtures the bounce (12:00:15) is newer than the delivery (12:00:12).
const deliveredFixture = (): AppliedEvent => fixtureApplied('prescription.email_delivered');
const failed = (): AppliedEvent => fixtureApplied('prescription.email_failed');
/** A resend that got through after the bounce. */
const deliveredAfterFailure = (): AppliedEvent =>
  fixtureApplied('prescription.email_delivered', {
    eventId: 'evt_01JB0000000000000000000097',
    createdAt: '2026-11-25T12:05:00.000Z',
    data: { email: 'ana@example.com', delivered_at: '2026-11-25T12:05:00Z' },
  });

describe('foldPrescription', () => {
  it('with no events is UNKNOWN', () => {
    expect(foldPrescription(PRESCRIPTION_ID, [])).toEqual({
      prescriptionId: PRESCRIPTION_ID,
      status: 'UNKNOWN',
      prescriptionCode: undefined,
      version: undefined,
      issuedAt: undefined,
      deliveredAt: undefined,
      failedAt: undefined,
    });
  });

  it('issued: ISSUED with code, version and issue time', () => {
    expect(foldPrescription(PRESCRIPTION_ID, [issued()])).toEqual({
      prescriptionId: PRESCRIPTION_ID,
      status: 'ISSUED',
      prescriptionCode: PRESCRIPTION_CODE,
      version: 'v1',
      issuedAt: '2026-11-25T12:00:00Z',
      deliveredAt: undefined,
      failedAt: undefined,
      // What was prescribed (a prescription-coded dispensation is checked against it); no patient data.
      medications: [{ productCode: 'MED-042', quantity: 30 }],
    });
  });

  it('issued → email_delivered: EMAIL_DELIVERED', () => {
    const state = foldPrescription(PRESCRIPTION_ID, [issued(), deliveredFixture()]);
    expect(state.status).toBe('EMAIL_DELIVERED');
    expect(state.deliveredAt).toBe('2026-11-25T12:00:12Z');
    expect(state.issuedAt).toBe('2026-11-25T12:00:00Z');
  });

  it('issued → email_failed: EMAIL_FAILED', () => {
    const state = foldPrescription(PRESCRIPTION_ID, [issued(), failed()]);
    expect(state.status).toBe('EMAIL_FAILED');
    expect(state.failedAt).toBe('2026-11-25T12:00:15Z');
  });

  describe('the newest delivery outcome wins, whatever the arrival order', () => {
    it.each(permutations([issued(), deliveredFixture(), failed()]).map((order) => [arrivalOrder(order), order] as const))(
      'fixtures, %s: failed (12:00:15) is newer than delivered (12:00:12) → EMAIL_FAILED',
      (_label, order) => {
        expect(foldPrescription(PRESCRIPTION_ID, order)).toEqual({
          prescriptionId: PRESCRIPTION_ID,
          status: 'EMAIL_FAILED',
          prescriptionCode: PRESCRIPTION_CODE,
          version: 'v1',
          issuedAt: '2026-11-25T12:00:00Z',
          deliveredAt: '2026-11-25T12:00:12Z',
          failedAt: '2026-11-25T12:00:15Z',
          failureReason: 'Mailbox does not exist (550 5.1.1)',
          medications: [{ productCode: 'MED-042', quantity: 30 }],
        });
      },
    );

    it.each(permutations([issued(), failed(), deliveredAfterFailure()]).map((order) => [arrivalOrder(order), order] as const))(
      'delivered after failed, %s → EMAIL_DELIVERED',
      (_label, order) => {
        const state = foldPrescription(PRESCRIPTION_ID, order);
        expect(state.status).toBe('EMAIL_DELIVERED');
        expect(state.deliveredAt).toBe('2026-11-25T12:05:00Z');
        expect(state.failedAt).toBe('2026-11-25T12:00:15Z');
      },
    );
  });

  it('an issued stamped after an outcome (clock skew) does not move the status back to ISSUED', () => {
    const late = fixtureApplied('prescription.issued', { createdAt: '2026-11-25T12:10:00.000Z' });
    expect(foldPrescription(PRESCRIPTION_ID, [deliveredFixture(), late]).status).toBe('EMAIL_DELIVERED');
    expect(foldPrescription(PRESCRIPTION_ID, [failed(), late]).status).toBe('EMAIL_FAILED');
  });

  it('an outcome arriving before issued still counts, and issued fills in version and code', () => {
    const state = foldPrescription(PRESCRIPTION_ID, [failed(), issued()]);
    expect(state.status).toBe('EMAIL_FAILED');
    expect(state.version).toBe('v1');
    expect(state.issuedAt).toBe('2026-11-25T12:00:00Z');
  });
});
