// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import { foldAuthorization, type AuthorizationState, type RegisteredDispensation } from './authorization';
import { parseDate, type Decision, type DecisionInput, type NotificationIntent } from './entity-decision';

/** A registered dispensation, and which revision of the authorization's picture it has heard. */
export interface RegisteredEntry extends RegisteredDispensation {
  heard: number;
  /** Registered just now: it hears the current picture in the registration's own answer. */
  answerPending?: boolean;
}

/** What an authorization entity remembers besides its events. */
export interface AuthorizationFacts {
  dispensations: RegisteredEntry[];
  /** The `expires_at` that was flagged as expired unused (cleared when validity is extended). */
  expiredUnusedFor: string | undefined;
  /** Bumped whenever what a dispensation is reconciled against changes. */
  revision: number;
  pictureKey: string | undefined;
}

/** What a dispensation is reconciled against: the answer to its registration, and every later change. */
export interface AuthorizationAnswer {
  /** undefined until the authorization's own events (or Osigu's API) say what it is. */
  authorization: AuthorizationState | undefined;
  /** Every dispensation completed against it, this one included. */
  dispensations: RegisteredDispensation[];
  revision: number;
}

/** Pushes the current picture to the dispensations that have not heard it yet. */
export interface AnnounceWork {
  key: string;
  kind: 'announce';
  dispensationIds: string[];
  answer: AuthorizationAnswer;
}

export type AuthorizationDecision = Decision<AuthorizationFacts, AnnounceWork, AuthorizationState>;

export function initialAuthorizationFacts(): AuthorizationFacts {
  return { dispensations: [], expiredUnusedFor: undefined, revision: 0, pictureKey: undefined };
}

/** Records (or updates) a dispensation's registration; the next decision answers it. */
export function registerWith(facts: AuthorizationFacts, registration: RegisteredDispensation): AuthorizationFacts {
  const entry: RegisteredEntry = { ...registration, heard: -1, answerPending: true };
  const others = facts.dispensations.filter((other) => other.dispensationId !== registration.dispensationId);
  return { ...facts, dispensations: [...others, entry] };
}

export function answerOf(decision: AuthorizationDecision): AuthorizationAnswer {
  return {
    authorization: decision.state.status === 'UNKNOWN' ? undefined : decision.state,
    dispensations: decision.facts.dispensations.map(({ heard: _heard, answerPending: _pending, ...registered }) => registered),
    revision: decision.facts.revision,
  };
}

/** After an announcement went out: those dispensations have heard that revision. */
export function announced(facts: AuthorizationFacts, work: AnnounceWork): AuthorizationFacts {
  return {
    ...facts,
    dispensations: facts.dispensations.map((entry) =>
      work.dispensationIds.includes(entry.dispensationId) ? { ...entry, heard: Math.max(entry.heard, work.answer.revision) } : entry,
    ),
  };
}

/**
 * One authorization (or, for a rejected request, its request): its decision told to the provider
 * once, every registered dispensation kept up to date with what it is reconciled against, and
 * `expired_unused` when it expires with no dispensation (cleared if its validity is extended).
 */
export function decideAuthorization({ resourceId, events, facts: given, now }: DecisionInput<AuthorizationFacts>): AuthorizationDecision {
  const state = foldAuthorization(resourceId, events);
  let facts = given;

  const picture = JSON.stringify([
    state.status,
    state.products,
    state.rejectedProducts ?? [],
    state.expiresAt,
    state.voidedAt,
    state.authorizationCode,
    facts.dispensations.map((entry) => [entry.dispensationId, entry.completedAt, entry.cancelled === true, entry.products ?? []]),
  ]);
  if (picture !== facts.pictureKey) facts = { ...facts, pictureKey: picture, revision: facts.revision + 1 };
  const revision = facts.revision;
  facts = {
    ...facts,
    dispensations: facts.dispensations.map((entry) =>
      entry.answerPending === true ? { ...entry, heard: revision, answerPending: false } : entry,
    ),
  };

  const notifications: NotificationIntent[] = [];
  if (state.status === 'CREATED' || state.status === 'REJECTED') {
    notifications.push({
      kind: 'authorization.decided',
      key: state.status,
      details: {
        status: state.status,
        authorization_id: state.authorizationId ?? null,
        authorization_request_id: state.authorizationRequestId ?? null,
        decided_at: state.decidedAt ?? null,
      },
    });
  }
  if (state.status === 'VOIDED') {
    notifications.push({
      kind: 'authorization.voided',
      key: 'voided',
      details: { voided_by: state.voidedBy ?? null, voided_at: state.voidedAt ?? null },
    });
  }

  const expiresAt = parseDate(state.expiresAt);
  // Validity extended past now: the expiry flag no longer holds.
  if (facts.expiredUnusedFor !== undefined && expiresAt !== undefined && expiresAt > now) facts = { ...facts, expiredUnusedFor: undefined };
  const awaitingExpiry = state.status === 'CREATED' && expiresAt !== undefined && facts.dispensations.length === 0;
  if (awaitingExpiry && expiresAt <= now && facts.expiredUnusedFor !== state.expiresAt)
    facts = { ...facts, expiredUnusedFor: state.expiresAt };
  if (facts.expiredUnusedFor !== undefined) {
    notifications.push({
      kind: 'authorization.expired_unused',
      key: facts.expiredUnusedFor,
      details: { expires_at: facts.expiredUnusedFor },
    });
  }

  const unheard = facts.dispensations.filter((entry) => entry.heard < revision).map((entry) => entry.dispensationId);
  const decision: AuthorizationDecision = {
    state,
    facts,
    status: state.status,
    flags: [
      ...(facts.expiredUnusedFor !== undefined ? ['expired_unused'] : []),
      ...((state.invalidDates ?? []).length > 0 ? ['invalid_date'] : []),
    ],
    notifications,
    work: [],
    deadlines: state.status === 'CREATED' && expiresAt !== undefined && expiresAt > now ? [{ name: 'expiry', at: expiresAt }] : [],
    // Until it expires a created authorization may see more (partial claims, a void at expiry);
    // after that, an ended entity loses nothing: a later event continues its memory.
    final: !(state.status === 'CREATED' && expiresAt !== undefined && expiresAt > now),
  };
  if (unheard.length > 0)
    decision.work.push({ key: `announce:${revision}`, kind: 'announce', dispensationIds: unheard, answer: answerOf(decision) });
  return decision;
}
