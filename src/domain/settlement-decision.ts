// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import type { Decision, DecisionInput } from './entity-decision';
import { foldSettlement, rejectedClaims, type SettlementState } from './settlement';

export type SettlementFacts = Record<string, never>;

export type SettlementDecision = Decision<SettlementFacts, never, SettlementState>;

/** One settlement batch: its outcome told to the provider (again if a newer outcome replaces it). */
export function decideSettlement({ resourceId, events, facts }: DecisionInput<SettlementFacts>): SettlementDecision {
  const state = foldSettlement(resourceId, events);
  const rejected = rejectedClaims(state);
  return {
    state,
    facts,
    status: state.status,
    flags: rejected.length > 0 || state.status === 'REJECTED' ? ['claims_rejected'] : [],
    notifications:
      state.status === 'UNKNOWN'
        ? []
        : [
            {
              kind: 'settlement.outcome',
              key: state.status,
              details: {
                status: state.status,
                period: state.period ?? null,
                currency_code: state.currencyCode ?? null,
                total_amount: state.totalAmount ?? null,
                settled_amount: state.settledAmount ?? null,
                rejected_claims: rejected.map((claim) => ({
                  claim_id: claim.claimId,
                  authorization_id: claim.authorizationId ?? null,
                  amount: claim.amount ?? null,
                })),
              },
            },
          ],
    work: [],
    deadlines: [],
    final: state.status !== 'UNKNOWN',
  };
}
