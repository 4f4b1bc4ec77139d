import { amount, byCreatedAt, records, text, type AppliedEvent } from './applied-event';

export type AuthorizationStatus = 'UNKNOWN' | 'CREATED' | 'REJECTED' | 'VOIDED';

export interface AuthorizedProduct {
  productCode: string;
  /** What may be dispensed: `authorized_quantity` after an update, the requested quantity before. */
  authorizedQuantity: number;
}

/** A dispensation completed against this authorization, as registered by its dispensation entity. */
export interface RegisteredDispensation {
  dispensationId: string;
  code: string | undefined;
  completedAt: string;
}

export interface AuthorizationState {
  resourceId: string;
  status: AuthorizationStatus;
  authorizationId: string | undefined;
  authorizationCode: string | undefined;
  authorizationRequestId: string | undefined;
  products: AuthorizedProduct[];
  expiresAt: string | undefined;
  voidedAt: string | undefined;
  voidedBy: string | undefined;
  paymentType: string | undefined;
  /** When the decision (created or rejected) was made, by Osigu's clock. */
  decidedAt: string | undefined;
  lastEventAt: string | undefined;
}

function productsOf(data: Record<string, unknown>): AuthorizedProduct[] | undefined {
  const list = records(data, 'products');
  if (list.length === 0) return undefined;
  return list.flatMap((product) => {
    const productCode = text(product, 'product_code');
    const quantity = amount(product, 'authorized_quantity') ?? amount(product, 'quantity');
    return productCode === undefined || quantity === undefined ? [] : [{ productCode, authorizedQuantity: quantity }];
  });
}

export function initialAuthorization(resourceId: string): AuthorizationState {
  return {
    resourceId,
    status: 'UNKNOWN',
    authorizationId: undefined,
    authorizationCode: undefined,
    authorizationRequestId: undefined,
    products: [],
    expiresAt: undefined,
    voidedAt: undefined,
    voidedBy: undefined,
    paymentType: undefined,
    decidedAt: undefined,
    lastEventAt: undefined,
  };
}

/**
 * The authorization as its events say, folded in `created_at` order. An event that arrives late
 * takes its place in time, so it can fill in what it alone carries (the products of `created`)
 * but never undo what a newer event decided (an update, a void).
 */
export function foldAuthorization(resourceId: string, events: readonly AppliedEvent[]): AuthorizationState {
  const state = initialAuthorization(resourceId);
  for (const event of [...events].sort(byCreatedAt)) {
    const { data } = event;
    state.authorizationId = text(data, 'authorization_id') ?? state.authorizationId;
    state.authorizationCode = text(data, 'authorization_code') ?? state.authorizationCode;
    state.authorizationRequestId = text(data, 'authorization_request_id') ?? state.authorizationRequestId;
    state.lastEventAt = event.createdAt;
    switch (event.eventType) {
      case 'authorization.created':
        if (state.status !== 'VOIDED') state.status = 'CREATED';
        state.decidedAt = event.createdAt;
        state.products = productsOf(data) ?? state.products;
        state.expiresAt = text(data, 'expires_at') ?? state.expiresAt;
        break;
      case 'authorization.rejected':
        state.status = 'REJECTED';
        state.decidedAt = event.createdAt;
        break;
      case 'authorization.updated':
        // An update means the sponsor approved it, even if `created` has not reached us yet.
        if (state.status === 'UNKNOWN') state.status = 'CREATED';
        state.products = productsOf(data) ?? state.products;
        state.expiresAt = text(data, 'expires_at') ?? state.expiresAt;
        state.paymentType = text(data, 'payment_type') ?? state.paymentType;
        break;
      case 'authorization.voided':
        state.status = 'VOIDED';
        state.voidedAt = text(data, 'voided_at') ?? event.createdAt;
        state.voidedBy = text(data, 'voided_by');
        break;
      default:
        break;
    }
  }
  return state;
}

export function isAuthorizationFinal(state: AuthorizationState): boolean {
  return state.status === 'REJECTED' || state.status === 'VOIDED';
}
