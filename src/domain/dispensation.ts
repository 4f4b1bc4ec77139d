import { amount, byCreatedAt, records, text, type AppliedEvent } from './applied-event';
import type { Projection } from './projection';

/** The fields of `data` the dispensation's decisions read (no beneficiary, no pharmacy staff). */
export const DISPENSATION_PROJECTION: Projection = {
  fields: [
    'dispensation_id',
    'code',
    'code_type',
    'authorization_id',
    'prescription_id',
    'started_at',
    'completed_at',
    'cancelled_at',
    'total_amount',
    'currency_code',
    'claim_id',
    'status',
    'reason',
  ],
  lists: { products: ['product_code', 'quantity', 'unit_price'] },
};

export type DispensationStatus = 'UNKNOWN' | 'STARTED' | 'COMPLETED' | 'CANCELLED';

export interface DispensedProduct {
  productCode: string;
  quantity: number;
  unitPrice: number | undefined;
}

export interface DispensationState {
  dispensationId: string;
  status: DispensationStatus;
  code: string | undefined;
  codeType: string | undefined;
  authorizationId: string | undefined;
  prescriptionId: string | undefined;
  products: DispensedProduct[];
  totalAmount: number | undefined;
  currencyCode: string | undefined;
  claimId: string | undefined;
  startedAt: string | undefined;
  completedAt: string | undefined;
  cancelledAt: string | undefined;
  /** Both completed and cancelled (in either order): Osigu voided something that was claimed. */
  cancelledAfterCompletion: boolean;
}

function productsOf(data: Record<string, unknown>): DispensedProduct[] {
  return records(data, 'products').flatMap((product) => {
    const productCode = text(product, 'product_code');
    const quantity = amount(product, 'quantity');
    return productCode === undefined || quantity === undefined ? [] : [{ productCode, quantity, unitPrice: amount(product, 'unit_price') }];
  });
}

/**
 * Folded in `created_at` order. A late `started` never moves a finished dispensation back; a
 * dispensation both completed and cancelled stays CANCELLED and is marked, being a discrepancy.
 */
export function foldDispensation(dispensationId: string, events: readonly AppliedEvent[]): DispensationState {
  const state: DispensationState = {
    dispensationId,
    status: 'UNKNOWN',
    code: undefined,
    codeType: undefined,
    authorizationId: undefined,
    prescriptionId: undefined,
    products: [],
    totalAmount: undefined,
    currencyCode: undefined,
    claimId: undefined,
    startedAt: undefined,
    completedAt: undefined,
    cancelledAt: undefined,
    cancelledAfterCompletion: false,
  };
  for (const event of [...events].sort(byCreatedAt)) {
    const { data } = event;
    // The first event names the code redeemed; a later one cannot swap it for another.
    state.code ??= text(data, 'code');
    state.codeType ??= text(data, 'code_type');
    switch (event.eventType) {
      case 'dispensing.started':
        if (state.status === 'UNKNOWN') state.status = 'STARTED';
        state.startedAt = text(data, 'started_at') ?? event.createdAt;
        if (state.products.length === 0) state.products = productsOf(data);
        break;
      case 'dispensing.completed':
        state.status = state.status === 'CANCELLED' ? 'CANCELLED' : 'COMPLETED';
        state.completedAt = text(data, 'completed_at') ?? event.createdAt;
        state.products = productsOf(data);
        state.totalAmount = amount(data, 'total_amount');
        state.currencyCode = text(data, 'currency_code');
        state.claimId = text(data, 'claim_id');
        state.authorizationId = text(data, 'authorization_id') ?? state.authorizationId;
        state.prescriptionId = text(data, 'prescription_id') ?? state.prescriptionId;
        break;
      case 'dispensing.cancelled':
        state.status = 'CANCELLED';
        state.cancelledAt = text(data, 'cancelled_at') ?? event.createdAt;
        break;
      default:
        break;
    }
  }
  // Completed and cancelled, in either order and however often: a claim for something voided.
  state.cancelledAfterCompletion = state.status === 'CANCELLED' && state.completedAt !== undefined;
  return state;
}
