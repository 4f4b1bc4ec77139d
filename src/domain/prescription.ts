import { byCreatedAt, text, type AppliedEvent } from './applied-event';

export type PrescriptionStatus = 'UNKNOWN' | 'ISSUED' | 'EMAIL_DELIVERED' | 'EMAIL_FAILED';

export interface PrescriptionState {
  prescriptionId: string;
  status: PrescriptionStatus;
  prescriptionCode: string | undefined;
  version: string | undefined;
  issuedAt: string | undefined;
  deliveredAt: string | undefined;
  failedAt: string | undefined;
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
        break;
      case 'prescription.email_delivered':
        state.status = 'EMAIL_DELIVERED';
        state.deliveredAt = text(data, 'delivered_at') ?? event.createdAt;
        break;
      case 'prescription.email_failed':
        state.status = 'EMAIL_FAILED';
        state.failedAt = text(data, 'failed_at') ?? event.createdAt;
        break;
      default:
        break;
    }
  }
  return state;
}
