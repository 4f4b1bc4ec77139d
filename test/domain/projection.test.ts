import { AUTHORIZATION_PROJECTION } from '../../src/domain/authorization';
import { DISPENSATION_PROJECTION } from '../../src/domain/dispensation';
import { PRESCRIPTION_PROJECTION } from '../../src/domain/prescription';
import { byCreatedAt } from '../../src/domain/applied-event';
import { foldAuthorization } from '../../src/domain/authorization';
import { project, withoutSuperseded } from '../../src/domain/projection';
import { fixtureApplied } from './applied-events';

describe('project: what an entity keeps of an event', () => {
  it('keeps no patient, doctor, diagnosis or e-mail data of a prescription', () => {
    const kept = project(fixtureApplied('prescription.issued'), PRESCRIPTION_PROJECTION);
    expect(Object.keys(kept.data).sort()).toEqual(['issued_at', 'medications', 'prescription_code', 'prescription_id', 'version']);
    expect(kept.data.medications).toEqual([{ product_code: 'MED-042', quantity: 30 }]);
    const text = JSON.stringify([kept, project(fixtureApplied('prescription.email_failed'), PRESCRIPTION_PROJECTION)]);
    for (const phi of ['Ana', 'López', 'patient', 'doctor', 'R51', '@']) expect(text).not.toContain(phi);
  });

  it('keeps what the authorization and dispensation decisions read, and not the beneficiary', () => {
    const authorization = project(fixtureApplied('authorization.created'), AUTHORIZATION_PROJECTION);
    expect(authorization.data).toMatchObject({
      authorization_id: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N',
      products: [{ product_code: 'MED-042', quantity: 30 }],
    });
    expect(typeof authorization.data.expires_at).toBe('string');
    expect(JSON.stringify(authorization)).not.toContain('bnf_');
    const dispensation = project(fixtureApplied('dispensing.completed'), DISPENSATION_PROJECTION);
    expect(JSON.stringify(dispensation)).not.toContain('bnf_');
    expect(typeof dispensation.data.total_amount).toBe('number');
    expect(Object.keys((dispensation.data.products as Record<string, unknown>[])[0] ?? {}).sort()).toEqual([
      'product_code',
      'quantity',
      'unit_price',
    ]);
  });
});

describe('withoutSuperseded: events a later one of their type overwrites entirely', () => {
  const updated = (minute: number, data: Record<string, unknown>) =>
    project(
      fixtureApplied('authorization.updated', {
        eventId: `evt_u${minute}`,
        createdAt: `2026-11-25T15:${String(minute).padStart(2, '0')}:00.000Z`,
        data,
      }),
      AUTHORIZATION_PROJECTION,
    );

  it('are dropped, and the fold is the same whatever arrives later', () => {
    const events = [
      project(fixtureApplied('authorization.created'), AUTHORIZATION_PROJECTION),
      updated(1, {}),
      updated(2, { payment_type: 'REIMBURSEMENT' }),
      updated(3, {}),
    ].sort(byCreatedAt);
    const kept = withoutSuperseded(events);
    expect(kept.map((event) => event.eventId)).toEqual([events[0]!.eventId, 'evt_u3']);
    expect(foldAuthorization('auth', kept)).toEqual(foldAuthorization('auth', events));
    const voided = project(fixtureApplied('authorization.voided', { createdAt: '2026-11-25T15:01:30.000Z' }), AUTHORIZATION_PROJECTION);
    expect(foldAuthorization('auth', withoutSuperseded([...kept, voided].sort(byCreatedAt)))).toEqual(
      foldAuthorization('auth', [...events, voided]),
    );
  });

  it('an event carrying a field the later one lacks is kept', () => {
    const withoutExpiry = { ...updated(9, {}).data };
    delete withoutExpiry.expires_at;
    const later = { ...updated(9, {}), data: withoutExpiry };
    expect(withoutSuperseded([updated(1, {}), later]).map((event) => event.eventId)).toEqual(['evt_u1', 'evt_u9']);
  });
});
