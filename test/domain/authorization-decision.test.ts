import {
  answerOf,
  decideAuthorization,
  initialAuthorizationFacts,
  registerWith,
  announced,
  type AuthorizationFacts,
} from '../../src/domain/authorization-decision';
import type { AppliedEvent } from '../../src/domain/applied-event';
import { DAY, event, SETTINGS, T0 } from './decisions';

const created = (expiresAt: string, createdAt = '2026-11-25T14:00:00Z'): AppliedEvent =>
  event('authorization.created', createdAt, {
    authorization_id: 'auth_1',
    authorization_code: 'AUTH-1',
    expires_at: expiresAt,
    products: [{ product_code: 'MED-042', quantity: 30 }],
  });

const decide = (events: AppliedEvent[], facts: AuthorizationFacts, now: number) =>
  decideAuthorization({ resourceId: 'auth_1', events, facts, now, settings: SETTINGS });

describe('decideAuthorization', () => {
  const expiresAt = new Date(T0 + 30 * DAY).toISOString();

  it('waits for expiry with one named deadline, and is not final before it', () => {
    const decision = decide([created(expiresAt)], initialAuthorizationFacts(), T0);
    expect(decision.status).toBe('CREATED');
    expect(decision.deadlines).toEqual([{ name: 'expiry', at: T0 + 30 * DAY }]);
    expect(decision.final).toBe(false);
    expect(decision.notifications.map((notification) => `${notification.kind}:${notification.key}`)).toEqual([
      'authorization.decided:CREATED',
    ]);
  });

  it('30 days later, unused: expired_unused, notified under the expiry as key; extended validity clears it', () => {
    const first = decide([created(expiresAt)], initialAuthorizationFacts(), T0);
    const expired = decide([created(expiresAt)], first.facts, T0 + 30 * DAY);
    expect(expired.flags).toContain('expired_unused');
    expect(expired.notifications.map((notification) => `${notification.kind}:${notification.key}`)).toContain(
      `authorization.expired_unused:${expiresAt}`,
    );
    expect(expired.final).toBe(true);

    const extendedTo = new Date(T0 + 60 * DAY).toISOString();
    const update = event('authorization.updated', '2026-12-26T10:00:00Z', { authorization_id: 'auth_1', expires_at: extendedTo });
    const extended = decide([created(expiresAt), update], expired.facts, T0 + 31 * DAY);
    expect(extended.flags).not.toContain('expired_unused');
    expect(extended.deadlines).toEqual([{ name: 'expiry', at: T0 + 60 * DAY }]);
    expect(extended.final).toBe(false);
  });

  it('an unreadable expiry is a flag, never a silently missing timer', () => {
    const decision = decide([created('next tuesday')], initialAuthorizationFacts(), T0);
    expect(decision.flags).toContain('invalid_date');
    expect(decision.state.invalidDates).toEqual(['expires_at']);
  });

  it('answers a registration with everything applied so far, and tells the others what changed', () => {
    const events = [created(expiresAt)];
    const start = decide(events, initialAuthorizationFacts(), T0);
    const first = decide(
      events,
      registerWith(start.facts, {
        dispensationId: 'dsp_A',
        code: 'AUTH-1',
        completedAt: '2026-11-25T16:00:00Z',
        products: [{ productCode: 'MED-042', quantity: 10 }],
      }),
      T0,
    );
    expect(answerOf(first).authorization?.status).toBe('CREATED');
    // The registrant hears the picture in its answer: nothing to push to it.
    expect(first.work).toEqual([]);

    const second = decide(
      events,
      registerWith(first.facts, {
        dispensationId: 'dsp_B',
        code: 'AUTH-1',
        completedAt: '2026-11-25T12:00:00Z',
        products: [{ productCode: 'MED-042', quantity: 25 }],
      }),
      T0,
    );
    expect(second.work).toHaveLength(1);
    expect(second.work[0]).toMatchObject({ kind: 'announce', dispensationIds: ['dsp_A'] });
    expect(second.work[0]?.answer.dispensations.map((registered) => registered.dispensationId)).toEqual(['dsp_A', 'dsp_B']);
    const after = decide(events, announced(second.facts, second.work[0]!), T0);
    expect(after.work).toEqual([]);
  });

  it('a rejected product does not count as authorized', () => {
    const update = event('authorization.updated', '2026-11-25T15:00:00Z', {
      authorization_id: 'auth_1',
      products: [{ product_code: 'MED-042', quantity: 30, status: 'REJECTED' }],
    });
    const decision = decide([created(expiresAt), update], initialAuthorizationFacts(), T0);
    expect(decision.state.products).toEqual([]);
    expect(decision.state.rejectedProducts).toEqual(['MED-042']);
  });
});
