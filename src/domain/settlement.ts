import { amount, byCreatedAt, records, text, type AppliedEvent } from './applied-event';
import type { Projection } from './projection';

/** The fields of `data` the settlement's decisions read. */
export const SETTLEMENT_PROJECTION: Projection = {
  fields: [
    'settlement_id',
    'sponsor_slug',
    'period',
    'status',
    'currency_code',
    'total_amount',
    'paid_amount',
    'accepted_amount',
    'payment_reference',
    'paid_at',
    'rejection_reason',
  ],
  lists: { claims: ['claim_id', 'authorization_id', 'status', 'amount', 'rejection_reason'] },
};

export type SettlementStatus = 'UNKNOWN' | 'PAID' | 'REJECTED' | 'PARTIALLY_ACCEPTED';
export type ClaimStatus = 'ACCEPTED' | 'REJECTED' | 'UNKNOWN';

export interface SettlementClaim {
  claimId: string;
  authorizationId: string | undefined;
  status: ClaimStatus;
  amount: number | undefined;
  rejectionReason: string | undefined;
}

export interface SettlementState {
  settlementId: string;
  status: SettlementStatus;
  period: string | undefined;
  currencyCode: string | undefined;
  totalAmount: number | undefined;
  /** Paid or accepted amount, whichever the outcome reports. */
  settledAmount: number | undefined;
  paymentReference: string | undefined;
  claims: SettlementClaim[];
  decidedAt: string | undefined;
  /** The sponsor's reason for rejecting the batch (kept in the encrypted state only). */
  rejectionReason?: string | undefined;
}

const STATUS_BY_TYPE: Record<string, SettlementStatus> = {
  'settlement.paid': 'PAID',
  'settlement.rejected': 'REJECTED',
  'settlement.partially_accepted': 'PARTIALLY_ACCEPTED',
};

/**
 * The newest outcome decides the batch. A paid or rejected batch settles every claim we know of
 * the same way; a partial acceptance names each claim's fate.
 */
export function foldSettlement(settlementId: string, events: readonly AppliedEvent[]): SettlementState {
  const state: SettlementState = {
    settlementId,
    status: 'UNKNOWN',
    period: undefined,
    currencyCode: undefined,
    totalAmount: undefined,
    settledAmount: undefined,
    paymentReference: undefined,
    claims: [],
    decidedAt: undefined,
  };
  for (const event of [...events].sort(byCreatedAt)) {
    const status = STATUS_BY_TYPE[event.eventType];
    if (status === undefined) continue;
    const { data } = event;
    state.status = status;
    state.decidedAt = event.createdAt;
    state.period = text(data, 'period') ?? state.period;
    state.currencyCode = text(data, 'currency_code') ?? state.currencyCode;
    state.totalAmount = amount(data, 'total_amount') ?? state.totalAmount;
    state.settledAmount =
      amount(data, 'paid_amount') ?? amount(data, 'accepted_amount') ?? (status === 'REJECTED' ? 0 : state.settledAmount);
    state.rejectionReason = status === 'REJECTED' ? text(data, 'rejection_reason') : undefined;
    state.paymentReference = status === 'REJECTED' ? undefined : (text(data, 'payment_reference') ?? state.paymentReference);
    const listed = records(data, 'claims').flatMap((claim): SettlementClaim[] => {
      const claimId = text(claim, 'claim_id');
      if (claimId === undefined) return [];
      const claimStatus = text(claim, 'status');
      return [
        {
          claimId,
          authorizationId: text(claim, 'authorization_id'),
          status: claimStatus === 'ACCEPTED' || claimStatus === 'REJECTED' ? claimStatus : 'UNKNOWN',
          amount: amount(claim, 'amount'),
          rejectionReason: text(claim, 'rejection_reason'),
        },
      ];
    });
    if (listed.length > 0) state.claims = listed;
    else if (status !== 'PARTIALLY_ACCEPTED') {
      state.claims = state.claims.map((claim) =>
        status === 'PAID' ? { ...claim, status: 'ACCEPTED', rejectionReason: undefined } : { ...claim, status: 'REJECTED' },
      );
    }
  }
  return state;
}

export function rejectedClaims(state: SettlementState): SettlementClaim[] {
  return state.claims.filter((claim) => claim.status === 'REJECTED');
}
