import { DIAGNOSES, EMAIL_FAILURES, FIRST_NAMES, LAST_NAMES, PRODUCTS, QUANTITIES, digits, emailLocalPart } from './catalogue';
import { seededId } from './ids';
import { defineStory } from './story';
import { isoSeconds } from './story-clock';

interface PrescriptionState {
  prescriptionId: string;
  prescriptionCode: string;
  version: 'v1' | 'v1.1' | 'v2';
  patient: { patient_id: string; first_name: string; last_name: string };
  doctor: { doctor_id: string; medical_board_registration: string };
  diagnoses: { diagnosis_code: string }[];
  medications: { product_code: string; quantity: number; posology: string; duration_days: number }[];
  emailLocalPart: string;
}

/** An e-prescription is issued, then its notification e-mail is delivered or bounces. */
export const prescriptionStory = defineStory<
  PrescriptionState,
  'prescription.issued' | 'prescription.email_delivered' | 'prescription.email_failed'
>({
  shapes: [
    ['prescription.issued', 'prescription.email_delivered'],
    ['prescription.issued', 'prescription.email_failed'],
  ],
  begin(random, startMs) {
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    return {
      prescriptionId: seededId(random, 'prescription', startMs),
      prescriptionCode: `RX-${new Date(startMs).getUTCFullYear()}-${digits(random, 4)}`,
      version: random.pick(['v1', 'v1.1', 'v2'] as const),
      patient: {
        patient_id: seededId(random, 'patient', startMs - random.int(30, 900) * 86_400_000),
        first_name: firstName,
        last_name: lastName,
      },
      doctor: {
        doctor_id: seededId(random, 'doctor', startMs - random.int(365, 3000) * 86_400_000),
        medical_board_registration: `MP-${digits(random, 5)}`,
      },
      diagnoses: random
        .shuffle(DIAGNOSES)
        .slice(0, random.int(1, 2))
        .map((code) => ({ diagnosis_code: code })),
      medications: random
        .shuffle(PRODUCTS)
        .slice(0, random.int(1, 3))
        .map((product) => ({
          product_code: product.code,
          quantity: random.pick(QUANTITIES),
          posology: product.posology,
          duration_days: random.pick([5, 7, 10, 14, 30]),
        })),
      emailLocalPart: emailLocalPart(firstName, lastName),
    };
  },
  steps: {
    'prescription.issued': {
      gapSeconds: [0, 0],
      data: (s, at) => ({
        prescription_id: s.prescriptionId,
        prescription_code: s.prescriptionCode,
        version: s.version,
        patient: s.patient,
        doctor: s.doctor,
        diagnoses: s.diagnoses,
        medications: s.medications,
        issued_at: isoSeconds(at),
      }),
    },
    'prescription.email_delivered': {
      gapSeconds: [2, 60],
      data: (s, at) => ({
        prescription_id: s.prescriptionId,
        prescription_code: s.prescriptionCode,
        email: `${s.emailLocalPart}@example.com`,
        delivered_at: isoSeconds(at),
      }),
    },
    'prescription.email_failed': {
      gapSeconds: [2, 120],
      data: (s, at, random) => ({
        prescription_id: s.prescriptionId,
        prescription_code: s.prescriptionCode,
        email: `${s.emailLocalPart}@example.invalid`,
        failure_reason: random.pick(EMAIL_FAILURES),
        failed_at: isoSeconds(at),
      }),
    },
  },
});
