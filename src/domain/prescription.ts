import { amount, byCreatedAt, records, text, type AppliedEvent } from './applied-event';
import type { Projection } from './projection';
import type { PrescribedMedication } from './reconciliation';

/** The fields of `data` the prescription's decisions read: no patient, doctor, diagnosis or e-mail. */
export const PRESCRIPTION_PROJECTION: Projection = {
  fields: ['prescription_id', 'prescription_code', 'version', 'issued_at', 'delivered_at', 'failed_at', 'failure_reason'],
  lists: { medications: ['product_code', 'quantity'] },
};

export type PrescriptionStatus = 'UNKNOWN' | 'ISSUED' | 'EMAIL_DELIVERED' | 'EMAIL_FAILED';

export interface PrescriptionState {
  prescriptionId: string;
  status: PrescriptionStatus;
  prescriptionCode: string | undefined;
  version: string | undefined;
  issuedAt: string | undefined;
  deliveredAt: string | undefined;
  failedAt: string | undefined;
  /** What was prescribed: a prescription-coded dispensation is checked against it. */
  medications?: PrescribedMedication[];
  /** Why the e-mail failed (operational; kept in the encrypted state only). */
  failureReason?: string | undefined;
}

/** The newest delivery outcome wins: a resend that gets through after a bounce is delivered. */
export function foldPrescription(prescriptionId: string, events: readonly AppliedEvent[]): PrescriptionState {
  const state: PrescriptionState = {
    prescriptionId,
    status: 'UNKNOWN',
    prescriptionCode: undefined,
    version: undefined,
    issuedAt: undefined,
    deliveredAt: undefined,
    failedAt: undefined,
  };
  for (const event of [...events].sort(byCreatedAt)) {
    const { data } = event;
    state.prescriptionCode = text(data, 'prescription_code') ?? state.prescriptionCode;
    switch (event.eventType) {
      case 'prescription.issued':
        if (state.status === 'UNKNOWN') state.status = 'ISSUED';
        state.version = text(data, 'version');
        state.issuedAt = text(data, 'issued_at') ?? event.createdAt;
        state.medications = records(data, 'medications').flatMap((medication) => {
          const productCode = text(medication, 'product_code');
          const quantity = amount(medication, 'quantity');
          return productCode === undefined || quantity === undefined ? [] : [{ productCode, quantity }];
        });
        break;
      case 'prescription.email_delivered':
        state.status = 'EMAIL_DELIVERED';
        state.deliveredAt = text(data, 'delivered_at') ?? event.createdAt;
        break;
      case 'prescription.email_failed':
        state.status = 'EMAIL_FAILED';
        state.failedAt = text(data, 'failed_at') ?? event.createdAt;
        state.failureReason = text(data, 'failure_reason');
        break;
      default:
        break;
    }
  }
  return state;
}
