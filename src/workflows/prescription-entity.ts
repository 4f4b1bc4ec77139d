import { PRESCRIPTION_PROJECTION, type PrescriptionState } from '../domain/prescription';
import { decidePrescription, initialPrescriptionFacts, type PrescriptionFacts } from '../domain/prescription-decision';
import { EVENT_FAMILIES, entityWorkflowId } from '../osigu/families';
import { runEntity, type EntityInput, type EntityKind, type EntityResult } from './entity-runner';
import { prescriptionStateQuery } from './messages';
import type { PrescriptionView } from './views';

export type { PrescriptionView } from './views';

const prescriptionKind: EntityKind<PrescriptionFacts, never, PrescriptionState, PrescriptionView> = {
  resourceType: 'prescription',
  workflowId: (resourceId) => entityWorkflowId(EVENT_FAMILIES.prescription, resourceId),
  projection: PRESCRIPTION_PROJECTION,
  stateQuery: prescriptionStateQuery,
  initialFacts: initialPrescriptionFacts,
  decide: decidePrescription,
  view: (decision, common) => ({ ...common, prescription: decision.state }),
};

/** One prescription: issued, then its e-mail delivered or failed (src/domain/prescription-decision.ts). */
export async function prescriptionEntityWorkflow(
  input: EntityInput<PrescriptionFacts>,
): Promise<EntityResult<PrescriptionView, PrescriptionFacts>> {
  return runEntity(prescriptionKind, input);
}
