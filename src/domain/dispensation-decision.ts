// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import type { AppliedEvent } from './applied-event';
import type { RegisteredDispensation } from './authorization';
import type { AuthorizationAnswer } from './authorization-decision';
import { foldDispensation, type DispensationState } from './dispensation';
import {
  lookupMayRun,
  type Decision,
  type DecisionInput,
  type Deadline,
  type LookupFailure,
  type NotificationIntent,
  type WorkOutcome,
} from './entity-decision';
import { reconcileDispensation, reconcilePrescribed, type PrescriptionAnswer, type Reconciliation } from './reconciliation';

/** The decisions an operator may record on a discrepancy (README, "Resolving a discrepancy"). */
export const RESOLUTION_DECISIONS = ['accept', 'reject'] as const;
export type ResolutionDecision = (typeof RESOLUTION_DECISIONS)[number];

export interface DiscrepancyResolution {
  /** accept: pay the claim as dispensed; reject: dispute it with the sponsor. */
  decision: ResolutionDecision;
  /** Who decided: an operator's name or id, never a patient's. */
  by: string;
  note?: string;
}

/** A resolution as recorded: against which verdict (`revision`), and when. */
export interface RecordedResolution extends DiscrepancyResolution {
  at: string;
  revision: number;
}

export type AuthorizationSource = 'entity' | 'osigu_api' | 'none';

/** What the registration activity answers: the authorization entity's answer, or Osigu's API's. */
export interface AuthorizationLookup extends AuthorizationAnswer {
  source: AuthorizationSource;
  /** Osigu's API refused the fallback lookup for good (a failure type name, e.g. OsiguForbidden). */
  apiFailure?: string;
}

export type DispensationWork =
  | { key: string; kind: 'register'; lookup: string; authorizationId: string; registration: RegisteredDispensation }
  | { key: string; kind: 'prescription'; lookup: string; prescriptionId: string }
  | { key: string; kind: 'fetch'; lookup: 'stale' };

export interface DispensationFacts {
  /** The registration (completion) the authorization answered for. */
  registeredFor: string | undefined;
  /** The newest answer about the authorization (by revision), from registration or later pushes. */
  answer: AuthorizationLookup | undefined;
  prescription: (PrescriptionAnswer & { for: string }) | undefined;
  /** What the current verdict was reached on; a new basis re-reconciles. */
  reconciledBasis: string | undefined;
  /** Bumped on each new verdict, so every verdict is its own notification. */
  revision: number;
  reconciliation: Reconciliation | undefined;
  authorizationSource: AuthorizationSource | undefined;
  discrepancyOpenedAt: number | undefined;
  escalations: number;
  resolution: RecordedResolution | undefined;
  /** A resolution of an earlier verdict, kept when a new verdict reopened the question. */
  previousResolution: RecordedResolution | undefined;
  staleChecked: boolean;
  /** What Osigu's API said of a STARTED that went stale. */
  staleStatus: string | undefined;
  startedSeenAt: number | undefined;
  lookupFailure: LookupFailure | undefined;
}

export type DispensationDecision = Decision<DispensationFacts, DispensationWork, DispensationState>;

export function initialDispensationFacts(): DispensationFacts {
  return {
    registeredFor: undefined,
    answer: undefined,
    prescription: undefined,
    reconciledBasis: undefined,
    revision: 0,
    reconciliation: undefined,
    authorizationSource: undefined,
    discrepancyOpenedAt: undefined,
    escalations: 0,
    resolution: undefined,
    previousResolution: undefined,
    staleChecked: false,
    staleStatus: undefined,
    startedSeenAt: undefined,
    lookupFailure: undefined,
  };
}

export const discrepancyOpen = (facts: DispensationFacts): boolean =>
  facts.reconciliation?.result === 'discrepancy' && facts.resolution === undefined;

/** Keeps the newer answer; an API-sourced authorization is kept until the entity knows better. */
export function newerAnswer(current: AuthorizationLookup | undefined, next: AuthorizationLookup): AuthorizationLookup {
  if (current !== undefined && current.revision > next.revision) return current;
  if (current?.authorization !== undefined && next.authorization === undefined && current.source === 'osigu_api') {
    return { ...next, authorization: current.authorization, source: 'osigu_api' };
  }
  return next;
}

/** A push from the authorization's entity: what it is reconciled against changed. */
export function authorizationChanged(facts: DispensationFacts, answer: AuthorizationAnswer): DispensationFacts {
  const next = {
    ...facts,
    answer: newerAnswer(facts.answer, { ...answer, source: answer.authorization === undefined ? 'none' : 'entity' }),
  };
  // The entity now knows the authorization: a failed API fallback no longer matters.
  const failure = next.lookupFailure;
  return answer.authorization !== undefined && failure?.lookup.startsWith('registration:') === true
    ? { ...next, lookupFailure: undefined }
    : next;
}

/** Why an operator's resolution is refused, or undefined when it may be recorded. */
export function resolutionRejection(facts: DispensationFacts, resolution: unknown): string | undefined {
  if (typeof resolution !== 'object' || resolution === null) return 'a resolution is { decision, by, note? }';
  const { decision, by, note } = resolution as Record<string, unknown>;
  if (typeof decision !== 'string' || !(RESOLUTION_DECISIONS as readonly string[]).includes(decision))
    return `decision must be one of ${RESOLUTION_DECISIONS.join(', ')}`;
  if (typeof by !== 'string' || by.trim().length === 0) return 'by is required (who decided)';
  if (note !== undefined && typeof note !== 'string') return 'note must be text';
  if (facts.reconciliation?.result === 'discrepancy' && facts.resolution !== undefined) return `already resolved by ${facts.resolution.by}`;
  if (!discrepancyOpen(facts)) return 'no discrepancy is open';
  return undefined;
}

export function resolve(facts: DispensationFacts, resolution: DiscrepancyResolution, now: number): DispensationFacts {
  const recorded: RecordedResolution = {
    decision: resolution.decision,
    by: resolution.by,
    ...(resolution.note === undefined ? {} : { note: resolution.note }),
    at: new Date(now).toISOString(),
    revision: facts.revision,
  };
  return { ...facts, resolution: recorded };
}

/** An operator asked for a failed lookup to run again now. */
export function retryLookups(facts: DispensationFacts): DispensationFacts {
  return facts.lookupFailure === undefined ? facts : { ...facts, lookupFailure: { ...facts.lookupFailure, retryNow: true } };
}

function failed(facts: DispensationFacts, lookup: string, failureType: string, now: number): DispensationFacts {
  const attempts = facts.lookupFailure?.lookup === lookup ? facts.lookupFailure.attempts + 1 : 1;
  return { ...facts, lookupFailure: { lookup, failureType, at: now, attempts } };
}

function cleared(facts: DispensationFacts, lookup: string): DispensationFacts {
  return facts.lookupFailure?.lookup === lookup ? { ...facts, lookupFailure: undefined } : facts;
}

/** A lookup finished: record its answer (or that it failed for good); may yield Osigu's view as events. */
export function dispensationWorkDone(
  facts: DispensationFacts,
  work: DispensationWork,
  outcome: WorkOutcome<unknown>,
  now: number,
): { facts: DispensationFacts; events?: AppliedEvent[] } {
  if (!outcome.ok) {
    // A registration that failed for good still lets the verdict be reached on what is known.
    const next = failed(facts, work.lookup, outcome.failureType, now);
    return { facts: work.kind === 'register' ? { ...next, registeredFor: registrationKey(work.registration) } : next };
  }
  switch (work.kind) {
    case 'register': {
      const lookup = outcome.result as AuthorizationLookup;
      const next = { ...facts, registeredFor: registrationKey(work.registration), answer: newerAnswer(facts.answer, lookup) };
      return { facts: lookup.apiFailure === undefined ? cleared(next, work.lookup) : failed(next, work.lookup, lookup.apiFailure, now) };
    }
    case 'prescription':
      return { facts: cleared({ ...facts, prescription: { ...(outcome.result as PrescriptionAnswer), for: work.lookup } }, work.lookup) };
    case 'fetch': {
      const current = outcome.result as Record<string, unknown> | undefined;
      const status = typeof current?.status === 'string' ? current.status : undefined;
      const next = cleared({ ...facts, staleChecked: true, staleStatus: status ?? 'unknown' }, 'stale');
      if (current === undefined || (status !== 'COMPLETED' && status !== 'CANCELLED')) return { facts: next };
      const text = (field: string): string | undefined => {
        const value = current[field];
        return typeof value === 'string' ? value : undefined;
      };
      const at = (status === 'COMPLETED' ? text('completed_at') : text('cancelled_at')) ?? new Date(now).toISOString();
      return {
        facts: next,
        events: [
          {
            eventId: `osigu-api:${status}`,
            eventType: status === 'COMPLETED' ? 'dispensing.completed' : 'dispensing.cancelled',
            createdAt: at,
            data: current,
          },
        ],
      };
    }
  }
}

const registrationKey = (registration: RegisteredDispensation): string => `${registration.completedAt}|${registration.cancelled === true}`;

/**
 * One dispensation: STARTED → COMPLETED | CANCELLED. A completion is reconciled against its
 * authorization (or its prescription), again whenever what it is checked against changes; a
 * discrepancy waits for an operator and escalates when nobody answers; a STARTED that stays too
 * long is looked up in Osigu's API. A lookup that fails for good is a flag and a notification,
 * and is tried again later: the verdict meanwhile says what could not be checked.
 */
export function decideDispensation({
  resourceId,
  events,
  facts: given,
  now,
  settings,
}: DecisionInput<DispensationFacts>): DispensationDecision {
  const state = foldDispensation(resourceId, events);
  let facts = given;
  const work: DispensationWork[] = [];
  const deadlines: Deadline[] = [];
  const notifications: NotificationIntent[] = [];
  const retryAfterMs = settings.lookupRetryAfterMs;
  if (state.status === 'STARTED' && facts.startedSeenAt === undefined) facts = { ...facts, startedSeenAt: now };
  // A stale check that failed no longer matters once the dispensation has moved on.
  if (state.status !== 'STARTED' && facts.lookupFailure?.lookup === 'stale') facts = { ...facts, lookupFailure: undefined };

  // What the completion is checked against, once it is known (or known not to be knowable now).
  if (state.completedAt !== undefined) {
    const registration: RegisteredDispensation = {
      dispensationId: resourceId,
      code: state.code,
      completedAt: state.completedAt,
      products: state.products.map(({ productCode, quantity }) => ({ productCode, quantity })),
      cancelled: state.cancelledAfterCompletion,
    };
    const key = registrationKey(registration);
    let basis: { answer: AuthorizationLookup | undefined; prescription: PrescriptionAnswer | undefined } | undefined;
    if (state.codeType === 'PRESCRIPTION' && state.prescriptionId !== undefined) {
      const lookup = `prescription:${key}`;
      const answered = facts.prescription?.for === lookup;
      const failedNow = facts.lookupFailure?.lookup === lookup;
      if (!answered && lookupMayRun(facts.lookupFailure, lookup, now, retryAfterMs))
        work.push({ key: lookup, kind: 'prescription', lookup, prescriptionId: state.prescriptionId });
      if (answered || failedNow) basis = { answer: undefined, prescription: answered ? facts.prescription : { medications: undefined } };
    } else if (state.codeType !== 'PRESCRIPTION' && state.authorizationId !== undefined) {
      const lookup = `registration:${key}`;
      const registered = facts.registeredFor === key;
      const failedNow = facts.lookupFailure?.lookup === lookup;
      if ((!registered || failedNow) && lookupMayRun(facts.lookupFailure, lookup, now, retryAfterMs)) {
        work.push({
          key: `register:${key}:${facts.lookupFailure?.lookup === lookup ? facts.lookupFailure.attempts : 0}`,
          kind: 'register',
          lookup,
          authorizationId: state.authorizationId,
          registration,
        });
      }
      if (registered) basis = { answer: facts.answer, prescription: undefined };
    } else {
      basis = { answer: undefined, prescription: state.codeType === 'PRESCRIPTION' ? { medications: undefined } : undefined };
    }

    if (basis !== undefined) {
      const basisKey = JSON.stringify([key, basis.answer?.revision, basis.answer?.source, basis.answer?.authorization, basis.prescription]);
      if (basisKey !== facts.reconciledBasis) {
        const reconciliation =
          state.codeType === 'PRESCRIPTION'
            ? reconcilePrescribed(state, basis.prescription ?? { medications: undefined })
            : reconcileDispensation(state, basis.answer?.authorization, basis.answer?.dispensations ?? []);
        facts = {
          ...facts,
          reconciledBasis: basisKey,
          authorizationSource: basis.answer?.source ?? (state.codeType === 'PRESCRIPTION' ? undefined : 'none'),
        };
        // Only a different verdict is news: the same one reached again keeps its resolution.
        if (JSON.stringify(reconciliation) !== JSON.stringify(facts.reconciliation)) {
          facts = {
            ...facts,
            reconciliation,
            revision: facts.revision + 1,
            discrepancyOpenedAt: reconciliation.result === 'discrepancy' ? now : undefined,
            escalations: 0,
            resolution: undefined,
            previousResolution: facts.resolution ?? facts.previousResolution,
          };
        }
      }
    }
  }

  const verdict = `${facts.revision}`;
  if (facts.reconciliation?.result === 'reconciled') {
    notifications.push({
      kind: 'dispensation.reconciled',
      key: verdict,
      details: { status: state.status, claim_id: state.claimId ?? null, total_amount: state.totalAmount ?? null },
    });
  } else if (facts.reconciliation?.result === 'discrepancy') {
    const reopened = facts.previousResolution !== undefined && facts.previousResolution.revision < facts.revision;
    notifications.push({
      kind: 'dispensation.discrepancy',
      key: verdict,
      details: { status: state.status, discrepancies: facts.reconciliation.discrepancies, ...(reopened ? { reopened: true } : {}) },
    });
  }
  if (facts.resolution !== undefined) {
    notifications.push({
      kind: 'dispensation.discrepancy_resolved',
      key: `${facts.resolution.revision}`,
      details: { decision: facts.resolution.decision, by: facts.resolution.by },
    });
  }

  // Escalate an open discrepancy that nobody answered (all overdue steps at once after an outage).
  const escalateAt = (): number | undefined =>
    discrepancyOpen(facts) && facts.discrepancyOpenedAt !== undefined && facts.escalations < settings.discrepancyMaxEscalations
      ? facts.discrepancyOpenedAt + settings.discrepancyEscalateAfterMs * (facts.escalations + 1)
      : undefined;
  for (let due = escalateAt(); due !== undefined && due <= now; due = escalateAt())
    facts = { ...facts, escalations: facts.escalations + 1 };
  for (let escalation = 1; escalation <= facts.escalations; escalation += 1) {
    notifications.push({
      kind: 'dispensation.discrepancy_escalated',
      key: `${verdict}.${escalation}`,
      details: { escalation, discrepancies: facts.reconciliation?.result === 'discrepancy' ? facts.reconciliation.discrepancies : [] },
    });
  }
  const nextEscalation = escalateAt();
  if (nextEscalation !== undefined) deadlines.push({ name: 'escalation', at: nextEscalation });

  // A STARTED that never finished: ask Osigu what became of it.
  if (state.status === 'STARTED' && !facts.staleChecked && facts.startedSeenAt !== undefined) {
    const staleAt = facts.startedSeenAt + settings.dispensationStaleAfterMs;
    if (staleAt > now) deadlines.push({ name: 'stale', at: staleAt });
    else if (lookupMayRun(facts.lookupFailure, 'stale', now, retryAfterMs))
      work.push({
        key: `fetch:stale:${facts.lookupFailure?.lookup === 'stale' ? facts.lookupFailure.attempts : 0}`,
        kind: 'fetch',
        lookup: 'stale',
      });
  }
  if (state.status === 'STARTED' && facts.staleChecked) {
    notifications.push({
      kind: 'dispensation.stale',
      key: 'started',
      details: { osigu_status: facts.staleStatus ?? 'unknown', started_at: state.startedAt ?? null },
    });
  }

  if (facts.lookupFailure !== undefined) {
    const failure = facts.lookupFailure;
    // Told once per lookup, however often the retry fails again.
    notifications.push({
      kind: 'dispensation.lookup_failed',
      key: failure.lookup,
      details: { lookup: failure.lookup.split(':')[0] ?? failure.lookup, failure_type: failure.failureType },
    });
    if (failure.retryNow !== true && failure.at + retryAfterMs > now)
      deadlines.push({ name: 'lookup_retry', at: failure.at + retryAfterMs });
  }

  const open = discrepancyOpen(facts);
  const unreadable =
    facts.reconciliation?.result === 'discrepancy' && facts.reconciliation.discrepancies.some((found) => found.rule === 'date_unreadable');
  const flags = [
    ...(open ? ['discrepancy'] : []),
    ...(facts.resolution !== undefined ? ['discrepancy_resolved'] : []),
    ...(open && facts.previousResolution !== undefined ? ['discrepancy_reopened'] : []),
    ...(state.status === 'STARTED' && facts.staleChecked ? ['stale_started'] : []),
    ...(facts.lookupFailure !== undefined ? ['lookup_failed'] : []),
    ...(unreadable ? ['invalid_date'] : []),
  ];
  const settled = state.status === 'CANCELLED' || (state.status === 'COMPLETED' && facts.reconciliation !== undefined);
  return {
    state,
    facts,
    status: state.status,
    flags,
    notifications,
    work,
    deadlines,
    final: settled && !open && work.length === 0 && facts.lookupFailure === undefined,
  };
}
