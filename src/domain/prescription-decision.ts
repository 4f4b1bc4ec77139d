// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import type { Decision, DecisionInput, NotificationIntent } from './entity-decision';
import { foldPrescription, type PrescriptionState } from './prescription';

export interface PrescriptionFacts {
  issuedSeenAt: number | undefined;
  outcomeMissing: boolean;
}

export type PrescriptionDecision = Decision<PrescriptionFacts, never, PrescriptionState>;

export function initialPrescriptionFacts(): PrescriptionFacts {
  return { issuedSeenAt: undefined, outcomeMissing: false };
}

/**
 * One prescription: issued, then its e-mail delivered or failed. A failure asks the provider to
 * resend (again for each new failure); an issued prescription with no outcome in time is flagged.
 */
export function decidePrescription({
  resourceId,
  events,
  facts: given,
  now,
  settings,
}: DecisionInput<PrescriptionFacts>): PrescriptionDecision {
  const state = foldPrescription(resourceId, events);
  let facts = given;
  if (state.status === 'ISSUED' && facts.issuedSeenAt === undefined) facts = { ...facts, issuedSeenAt: now };
  const notifications: NotificationIntent[] = [];
  if (state.status === 'EMAIL_FAILED') {
    // Keyed by the failure's time: a resend that bounces again asks again.
    notifications.push({
      kind: 'prescription.email_failed',
      key: state.failedAt ?? 'failed',
      details: { prescription_code: state.prescriptionCode ?? null, failed_at: state.failedAt ?? null, action: 'resend' },
    });
  }
  const outcomeDueAt =
    state.status === 'ISSUED' && !facts.outcomeMissing && facts.issuedSeenAt !== undefined
      ? facts.issuedSeenAt + settings.prescriptionOutcomeTimeoutMs
      : undefined;
  if (outcomeDueAt !== undefined && outcomeDueAt <= now) facts = { ...facts, outcomeMissing: true };
  if (facts.outcomeMissing && state.status === 'ISSUED') {
    notifications.push({
      kind: 'prescription.delivery_outcome_missing',
      key: 'issued',
      details: { prescription_code: state.prescriptionCode ?? null, issued_at: state.issuedAt ?? null },
    });
  }
  const waiting = outcomeDueAt !== undefined && outcomeDueAt > now;
  return {
    state,
    facts,
    status: state.status,
    flags: [
      ...(state.status === 'EMAIL_FAILED' ? ['email_failed'] : []),
      ...(facts.outcomeMissing && state.status === 'ISSUED' ? ['delivery_outcome_missing'] : []),
    ],
    notifications,
    work: [],
    deadlines: waiting ? [{ name: 'outcome', at: outcomeDueAt }] : [],
    // Nothing left to wait for once an outcome (or its absence) is known; a later event continues its memory.
    final: state.status !== 'UNKNOWN' && !waiting,
  };
}
