import { decidePrescription, initialPrescriptionFacts } from '../../src/domain/prescription-decision';
import { decideSettlement } from '../../src/domain/settlement-decision';
import { event, HOUR, SETTINGS, T0 } from './decisions';

const issued = event('prescription.issued', '2026-11-25T12:00:00Z', {
  prescription_id: 'rx_1',
  prescription_code: 'RX-1',
  medications: [{ product_code: 'MED-042', quantity: 30 }],
});
const failed = event('prescription.email_failed', '2026-11-25T12:00:15Z', { prescription_id: 'rx_1', failed_at: '2026-11-25T12:00:15Z' });

describe('decidePrescription', () => {
  it('an issued prescription with no e-mail outcome in 1 h is flagged once, and then may end', () => {
    const first = decidePrescription({
      resourceId: 'rx_1',
      events: [issued],
      facts: initialPrescriptionFacts(),
      now: T0,
      settings: SETTINGS,
    });
    expect(first.deadlines).toEqual([{ name: 'outcome', at: T0 + HOUR }]);
    expect(first.final).toBe(false);
    const missing = decidePrescription({ resourceId: 'rx_1', events: [issued], facts: first.facts, now: T0 + HOUR, settings: SETTINGS });
    expect(missing.flags).toEqual(['delivery_outcome_missing']);
    expect(missing.notifications.map((notification) => notification.kind)).toEqual(['prescription.delivery_outcome_missing']);
    expect(missing.deadlines).toEqual([]);
    expect(missing.final).toBe(true);
  });

  it('a bounce asks for a resend, keyed by the failure time', () => {
    const decision = decidePrescription({
      resourceId: 'rx_1',
      events: [issued, failed],
      facts: initialPrescriptionFacts(),
      now: T0,
      settings: SETTINGS,
    });
    expect(decision.flags).toEqual(['email_failed']);
    expect(decision.notifications).toMatchObject([
      { kind: 'prescription.email_failed', key: '2026-11-25T12:00:15Z', details: { action: 'resend' } },
    ]);
  });
});

describe('decideSettlement', () => {
  it('an outcome is final and told once per status', () => {
    const paid = event('settlement.paid', '2026-11-27T10:00:00Z', { settlement_id: 'stl_1', status: 'PAID', paid_amount: 10 });
    const decision = decideSettlement({ resourceId: 'stl_1', events: [paid], facts: {}, now: T0, settings: SETTINGS });
    expect(decision.final).toBe(true);
    expect(decision.notifications.map((notification) => notification.key)).toEqual(['PAID']);
  });
});
