// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import type { AppliedEvent } from './applied-event';
import type { NotificationKind } from './notification';
import type { EntitySettings } from './settings';

/** A moment an entity must wake at, named so its timer is kept (not restarted) while it stands. */
export interface Deadline {
  name: string;
  /** Epoch ms, workflow time. */
  at: number;
}

/**
 * An outcome to tell the provider. `key` makes the notification id
 * (`<type>:<resource>:<kind>:<key>`): the same content always gets the same key, different
 * content a different one, across continue-as-new and ended runs alike.
 */
export interface NotificationIntent {
  kind: NotificationKind;
  key: string;
  details: Record<string, unknown>;
}

/** What one entity kind's decision function is given: nothing but data, the clock included. */
export interface DecisionInput<Facts> {
  resourceId: string;
  /** The entity's applied events (projected), in `created_at` order. */
  events: readonly AppliedEvent[];
  facts: Facts;
  now: number;
  settings: EntitySettings;
}

/**
 * What it answers. The runner (src/workflows/entity-runner.ts) carries `facts` on, sends each
 * notification once, runs each piece of `work` once while it is asked for, keeps one timer per
 * deadline, publishes `status` and `flags`, and ends the workflow once `final` and quiet.
 */
export interface Decision<Facts, Work extends { key: string }, State> {
  /** The resource as its events say (the fold), for views and answers. */
  state: State;
  facts: Facts;
  status: string;
  flags: string[];
  notifications: NotificationIntent[];
  work: Work[];
  deadlines: Deadline[];
  final: boolean;
}

/** How a piece of work ended: its answer, or the failure's type name (never its message: no PHI). */
export type WorkOutcome<Result> = { ok: true; result: Result } | { ok: false; failureType: string };

/** A lookup that failed for good, kept until it is retried (at the next wake, or by an operator). */
export interface LookupFailure {
  lookup: string;
  failureType: string;
  at: number;
  attempts: number;
  /** An operator asked for a retry now. */
  retryNow?: boolean;
}

/** Whether a lookup that failed may be tried again. */
export function lookupMayRun(failure: LookupFailure | undefined, lookup: string, now: number, retryAfterMs: number): boolean {
  if (failure === undefined || failure.lookup !== lookup) return true;
  return failure.retryNow === true || now >= failure.at + retryAfterMs;
}

/** A date Osigu sent, or why it cannot be used: an unreadable date is named, never ignored. */
export function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
