import { rejectedClaims, SETTLEMENT_PROJECTION, type SettlementState } from '../domain/settlement';
import { decideSettlement, type SettlementFacts } from '../domain/settlement-decision';
import { EVENT_FAMILIES, entityWorkflowId } from '../osigu/families';
import { runEntity, type EntityInput, type EntityKind, type EntityResult } from './entity-runner';
import { settlementStateQuery } from './messages';
import type { SettlementView } from './views';

export type { SettlementView } from './views';

const settlementKind: EntityKind<SettlementFacts, never, SettlementState, SettlementView> = {
  resourceType: 'settlement',
  workflowId: (resourceId) => entityWorkflowId(EVENT_FAMILIES.settlement, resourceId),
  projection: SETTLEMENT_PROJECTION,
  stateQuery: settlementStateQuery,
  initialFacts: () => ({}),
  decide: decideSettlement,
  view: (decision, common) => ({ ...common, settlement: decision.state, rejectedClaims: rejectedClaims(decision.state) }),
};

/** One settlement batch: its outcome, each claim's state, and the claims the sponsor rejected. */
export async function settlementEntityWorkflow(
  input: EntityInput<SettlementFacts>,
): Promise<EntityResult<SettlementView, SettlementFacts>> {
  return runEntity(settlementKind, input);
}
