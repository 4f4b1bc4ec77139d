import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldAuthorization } from '../../src/domain/authorization';
import type { AuthorizationAnswer } from '../../src/domain/authorization-decision';
import {
  authorizationChanged,
  decideDispensation,
  dispensationWorkDone,
  initialDispensationFacts,
  resolutionRejection,
  resolve,
  type DispensationDecision,
  type DispensationFacts,
} from '../../src/domain/dispensation-decision';
import { DAY, event, HOUR, SETTINGS, T0 } from './decisions';

const dispensing = { dispensation_id: 'dsp_1', code: 'AUTH-1', code_type: 'AUTHORIZATION', authorization_id: 'auth_1' };
const started = event('dispensing.started', '2026-11-25T15:00:00Z', {
  ...dispensing,
  products: [{ product_code: 'MED-042', quantity: 20 }],
});
const completed = (quantity: number): AppliedEvent =>
  event('dispensing.completed', '2026-11-25T15:10:00Z', {
    ...dispensing,
    products: [{ product_code: 'MED-042', quantity, unit_price: 12.5 }],
    total_amount: quantity * 12.5,
    completed_at: '2026-11-25T15:10:00Z',
  });

const authorization = (quantity: number) =>
  foldAuthorization('auth_1', [
    event('authorization.created', '2026-11-25T14:00:00Z', {
      authorization_id: 'auth_1',
      authorization_code: 'AUTH-1',
      products: [{ product_code: 'MED-042', quantity }],
    }),
  ]);

const answer = (revision: number, quantity: number | undefined): AuthorizationAnswer => ({
  authorization: quantity === undefined ? undefined : authorization(quantity),
  dispensations: [
    {
      dispensationId: 'dsp_1',
      code: 'AUTH-1',
      completedAt: '2026-11-25T15:10:00Z',
      products: [{ productCode: 'MED-042', quantity: 20 }],
      cancelled: false,
    },
  ],
  revision,
});

const decide = (events: AppliedEvent[], facts: DispensationFacts, now: number): DispensationDecision =>
  decideDispensation({ resourceId: 'dsp_1', events, facts, now, settings: SETTINGS });

/** Runs the decision's registration as if the authorization's entity answered `reply`. */
function registered(events: AppliedEvent[], reply: AuthorizationAnswer, now = T0): DispensationDecision {
  const first = decide(events, initialDispensationFacts(), now);
  const work = first.work.find((candidate) => candidate.kind === 'register');
  if (work === undefined) throw new Error('no registration asked for');
  return decide(
    events,
    dispensationWorkDone(
      first.facts,
      work,
      { ok: true, result: { ...reply, source: reply.authorization === undefined ? 'none' : 'entity' } },
      now,
    ).facts,
    now,
  );
}

const keys = (decision: DispensationDecision): string[] =>
  decision.notifications.map((notification) => `${notification.kind}:${notification.key}`);

describe('decideDispensation', () => {
  it('a completion asks to register with its authorization, and reaches no verdict before the answer', () => {
    const decision = decide([completed(20)], initialDispensationFacts(), T0);
    expect(decision.work).toMatchObject([
      {
        kind: 'register',
        authorizationId: 'auth_1',
        registration: { dispensationId: 'dsp_1', products: [{ productCode: 'MED-042', quantity: 20 }] },
      },
    ]);
    expect(decision.facts.reconciliation).toBeUndefined();
    expect(decision.final).toBe(false);
  });

  it('the headline race: an answer from before the authorization was folded is corrected by the newer push, whatever order they arrive in', () => {
    const early = registered([completed(20)], answer(1, undefined));
    expect(early.facts.reconciliation).toMatchObject({ result: 'discrepancy', discrepancies: [{ rule: 'authorization_unknown' }] });
    const corrected = decide([completed(20)], authorizationChanged(early.facts, answer(2, 30)), T0);
    expect(corrected.facts.reconciliation).toEqual({ result: 'reconciled' });
    expect(corrected.flags).toEqual([]);

    // The push (revision 2) before the registration's own answer (revision 1): the newer one wins.
    const first = decide([completed(20)], initialDispensationFacts(), T0);
    const pushedFirst = authorizationChanged(first.facts, answer(2, 30));
    const work = first.work[0]!;
    const late = decide(
      [completed(20)],
      dispensationWorkDone(pushedFirst, work, { ok: true, result: { ...answer(1, undefined), source: 'none' } }, T0).facts,
      T0,
    );
    expect(late.facts.reconciliation).toEqual({ result: 'reconciled' });
    expect(keys(late)).toEqual(['dispensation.reconciled:1']);
  });

  it('escalates an open discrepancy every 24 h, up to 3 times, then waits silently', () => {
    const open = registered([completed(25)], answer(1, 20));
    expect(open.flags).toEqual(['discrepancy']);
    expect(open.deadlines).toEqual([{ name: 'escalation', at: T0 + 24 * HOUR }]);
    expect(decide([completed(25)], open.facts, T0 + 24 * HOUR - 1).facts.escalations).toBe(0);
    const once = decide([completed(25)], open.facts, T0 + 24 * HOUR);
    expect(once.facts.escalations).toBe(1);
    expect(once.deadlines).toEqual([{ name: 'escalation', at: T0 + 48 * HOUR }]);
    const later = decide([completed(25)], once.facts, T0 + 10 * DAY);
    expect(later.facts.escalations).toBe(3);
    expect(later.deadlines).toEqual([]);
    expect(keys(later).filter((key) => key.startsWith('dispensation.discrepancy_escalated'))).toEqual([
      'dispensation.discrepancy_escalated:1.1',
      'dispensation.discrepancy_escalated:1.2',
      'dispensation.discrepancy_escalated:1.3',
    ]);
    expect(later.final).toBe(false);
  });

  it('a STARTED that stays 2 h asks Osigu; a failed lookup is a flag, told once, retried after an hour', () => {
    const first = decide([started], initialDispensationFacts(), T0);
    expect(first.deadlines).toEqual([{ name: 'stale', at: T0 + 2 * HOUR }]);
    const due = decide([started], first.facts, T0 + 2 * HOUR);
    expect(due.work).toMatchObject([{ kind: 'fetch' }]);

    const failed = decide(
      [started],
      dispensationWorkDone(due.facts, due.work[0]!, { ok: false, failureType: 'OsiguForbidden' }, T0 + 2 * HOUR).facts,
      T0 + 2 * HOUR,
    );
    expect(failed.flags).toContain('lookup_failed');
    expect(failed.work).toEqual([]);
    expect(keys(failed)).toEqual(['dispensation.lookup_failed:stale']);
    expect(failed.notifications[0]?.details).toEqual({ lookup: 'stale', failure_type: 'OsiguForbidden' });
    expect(failed.deadlines).toEqual([{ name: 'lookup_retry', at: T0 + 3 * HOUR }]);
    expect(failed.final).toBe(false);

    const retry = decide([started], failed.facts, T0 + 3 * HOUR);
    expect(retry.work).toMatchObject([{ kind: 'fetch' }]);
    const cancelled = dispensationWorkDone(
      retry.facts,
      retry.work[0]!,
      { ok: true, result: { ...dispensing, status: 'CANCELLED', cancelled_at: '2026-11-25T17:00:00Z' } },
      T0 + 3 * HOUR,
    );
    expect(cancelled.events?.map((applied) => applied.eventType)).toEqual(['dispensing.cancelled']);
    const after = decide([started, ...(cancelled.events ?? [])], cancelled.facts, T0 + 3 * HOUR);
    expect(after.status).toBe('CANCELLED');
    expect(after.flags).toEqual([]);
    expect(after.final).toBe(true);
  });

  it('a registration that fails for good still reaches a verdict on what is known, flagged, and is retried', () => {
    const first = decide([completed(20)], initialDispensationFacts(), T0);
    const failed = decide(
      [completed(20)],
      dispensationWorkDone(first.facts, first.work[0]!, { ok: false, failureType: 'OsiguBadRequest' }, T0).facts,
      T0,
    );
    expect(failed.facts.reconciliation).toMatchObject({ result: 'discrepancy', discrepancies: [{ rule: 'authorization_unknown' }] });
    expect(failed.flags).toEqual(['discrepancy', 'lookup_failed']);
    expect(decide([completed(20)], failed.facts, T0 + HOUR).work).toMatchObject([{ kind: 'register' }]);
  });

  describe('an operator resolution', () => {
    const open = () => registered([completed(25)], answer(1, 20));

    it('is refused, with the reason, unless a discrepancy is open and the decision is complete', () => {
      expect(resolutionRejection(open().facts, { decision: 'acept', by: 'ana' })).toBe('decision must be one of accept, reject');
      expect(resolutionRejection(open().facts, { decision: 'accept' })).toBe('by is required (who decided)');
      expect(resolutionRejection(open().facts, { decision: 'accept', by: '  ' })).toBe('by is required (who decided)');
      expect(resolutionRejection(open().facts, { decision: 'accept', by: 'ana' })).toBeUndefined();
      expect(resolutionRejection(registered([completed(20)], answer(1, 20)).facts, { decision: 'accept', by: 'ana' })).toBe(
        'no discrepancy is open',
      );
      const resolved = resolve(open().facts, { decision: 'accept', by: 'ana' }, T0);
      expect(resolutionRejection(resolved, { decision: 'reject', by: 'bo' })).toBe('already resolved by ana');
    });

    it('survives a re-reconciliation that reaches the same verdict', () => {
      const resolved = decide([completed(25)], resolve(open().facts, { decision: 'accept', by: 'ana' }, T0), T0);
      expect(resolved.flags).toEqual(['discrepancy_resolved']);
      // The authorization changed (a new revision) but still authorizes 20: same verdict, resolution kept.
      const again = decide([completed(25)], authorizationChanged(resolved.facts, answer(2, 20)), T0 + HOUR);
      expect(again.facts.resolution).toMatchObject({ decision: 'accept', by: 'ana', revision: 1 });
      expect(again.flags).toEqual(['discrepancy_resolved']);
    });

    it('a different verdict reopens the question explicitly, and says so', () => {
      const resolved = decide([completed(25)], resolve(open().facts, { decision: 'accept', by: 'ana' }, T0), T0);
      const voided = foldAuthorization('auth_1', [
        event('authorization.created', '2026-11-25T14:00:00Z', {
          authorization_id: 'auth_1',
          authorization_code: 'AUTH-1',
          products: [{ product_code: 'MED-042', quantity: 20 }],
        }),
        event('authorization.voided', '2026-11-25T15:00:00Z', { authorization_id: 'auth_1', voided_at: '2026-11-25T15:00:00Z' }),
      ]);
      const reopened = decide(
        [completed(25)],
        authorizationChanged(resolved.facts, { ...answer(2, 20), authorization: voided }),
        T0 + HOUR,
      );
      expect(reopened.facts.resolution).toBeUndefined();
      expect(reopened.facts.previousResolution).toMatchObject({ by: 'ana', revision: 1 });
      expect(reopened.flags).toEqual(['discrepancy', 'discrepancy_reopened']);
      const discrepancy = reopened.notifications.find((notification) => notification.kind === 'dispensation.discrepancy');
      expect(discrepancy).toMatchObject({ key: '2', details: { reopened: true } });
    });
  });
});
