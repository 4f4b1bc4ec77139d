import { AUTHORIZATION_PROJECTION } from '../../src/domain/authorization';
import { DISPENSATION_PROJECTION } from '../../src/domain/dispensation';
import { PRESCRIPTION_PROJECTION } from '../../src/domain/prescription';
import { project } from '../../src/domain/projection';
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
    expect(authorization.data).toMatchObject({ authorization_id: expect.any(String), expires_at: expect.any(String), products: [{ product_code: 'MED-042', quantity: 30 }] });
    expect(JSON.stringify(authorization)).not.toContain('bnf_');
    const dispensation = project(fixtureApplied('dispensing.completed'), DISPENSATION_PROJECTION);
    expect(JSON.stringify(dispensation)).not.toContain('bnf_');
    expect(dispensation.data).toMatchObject({ total_amount: expect.any(Number), products: [expect.objectContaining({ unit_price: expect.any(Number) })] });
  });
});
