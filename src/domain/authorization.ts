import { amount, byCreatedAt, records, text, type AppliedEvent } from './applied-event';
import { parseDate } from './entity-decision';
import type { Projection } from './projection';

/**
 * UNKNOWN: nothing heard yet. NOT_APPROVED: Osigu's API knows it in a status that does not allow
 * a dispensation (ERROR, PENDING_REVIEW, REQUEST_IN_PROGRESS); `osiguStatus` says which.
 */
export type AuthorizationStatus = 'UNKNOWN' | 'CREATED' | 'REJECTED' | 'VOIDED' | 'NOT_APPROVED';

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
  /** What it dispensed, so the quantity across every dispensation can be checked. */
  products?: { productCode: string; quantity: number }[];
  /** Cancelled after its completion: it no longer counts against the authorized quantity. */
  cancelled?: boolean;
}

export interface AuthorizationState {
  resourceId: string;
  status: AuthorizationStatus;
  /** The status as Osigu's API named it, when the state came from there. */
  osiguStatus?: string | undefined;
  authorizationId: string | undefined;
  authorizationCode: string | undefined;
  authorizationRequestId: string | undefined;
  products: AuthorizedProduct[];
  /** Products the sponsor rejected in an update: they do not count as authorized. */
  rejectedProducts?: string[] | undefined;
  expiresAt: string | undefined;
  voidedAt: string | undefined;
  voidedBy: string | undefined;
  paymentType: string | undefined;
  /** When the decision (created or rejected) was made, by Osigu's clock. */
  decidedAt: string | undefined;
  lastEventAt: string | undefined;
  /** Operational reasons, kept in the (encrypted) state only: never in search attributes or logs. */
  rejectionReason?: string | undefined;
  voidReason?: string | undefined;
  /** Date fields Osigu sent that could not be read: named, so nothing is silently skipped. */
  invalidDates?: string[];
}

/** The fields of `data` the authorization's decisions read. */
export const AUTHORIZATION_PROJECTION: Projection = {
  fields: [
    'authorization_id',
    'authorization_code',
    'authorization_request_id',
    'expires_at',
    'payment_type',
    'voided_at',
    'voided_by',
    'reason',
    'rejection_reason',
    'status',
  ],
  lists: { products: ['product_code', 'quantity', 'authorized_quantity', 'status'] },
};

function productsOf(data: Record<string, unknown>): { products: AuthorizedProduct[]; rejected: string[] } | undefined {
  // A list that is present replaces the old one, even when empty: the sponsor withdrew everything.
  if (!Array.isArray(data.products)) return undefined;
  const rejected: string[] = [];
  const products = records(data, 'products').flatMap((product) => {
    const productCode = text(product, 'product_code');
    if (productCode === undefined) return [];
    const status = text(product, 'status');
    if (status !== undefined && status !== 'APPROVED') {
      rejected.push(productCode);
      return [];
    }
    const quantity = amount(product, 'authorized_quantity') ?? amount(product, 'quantity');
    return quantity === undefined ? [] : [{ productCode, authorizedQuantity: quantity }];
  });
  return { products, rejected };
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

function noteInvalidDate(state: AuthorizationState, field: string, value: string | undefined): boolean {
  if (value === undefined || parseDate(value) !== undefined) return true;
  state.invalidDates = [...new Set([...(state.invalidDates ?? []), field])];
  return false;
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
    const expiresAt = text(data, 'expires_at');
    const listed = productsOf(data);
    switch (event.eventType) {
      case 'authorization.created':
        if (state.status !== 'VOIDED') state.status = 'CREATED';
        state.decidedAt = event.createdAt;
        if (listed !== undefined) {
          state.products = listed.products;
          if (listed.rejected.length > 0) state.rejectedProducts = listed.rejected;
          else delete state.rejectedProducts;
        }
        if (noteInvalidDate(state, 'expires_at', expiresAt)) state.expiresAt = expiresAt ?? state.expiresAt;
        break;
      case 'authorization.rejected':
        state.status = 'REJECTED';
        state.decidedAt = event.createdAt;
        state.rejectionReason = text(data, 'rejection_reason') ?? state.rejectionReason;
        break;
      case 'authorization.updated':
        // An update means the sponsor approved it, even if `created` has not reached us yet.
        if (state.status === 'UNKNOWN') state.status = 'CREATED';
        if (listed !== undefined) {
          state.products = listed.products;
          if (listed.rejected.length > 0) state.rejectedProducts = listed.rejected;
          else delete state.rejectedProducts;
        }
        if (noteInvalidDate(state, 'expires_at', expiresAt)) state.expiresAt = expiresAt ?? state.expiresAt;
        state.paymentType = text(data, 'payment_type') ?? state.paymentType;
        break;
      case 'authorization.voided': {
        state.status = 'VOIDED';
        const voidedAt = text(data, 'voided_at');
        // An unreadable void time counts from the event itself: the void is never skipped.
        state.voidedAt = noteInvalidDate(state, 'voided_at', voidedAt) ? (voidedAt ?? event.createdAt) : event.createdAt;
        state.voidedBy = text(data, 'voided_by');
        state.voidReason = text(data, 'reason') ?? state.voidReason;
        break;
      }
      default:
        break;
    }
  }
  return state;
}

export function isAuthorizationFinal(state: AuthorizationState): boolean {
  return state.status === 'REJECTED' || state.status === 'VOIDED' || state.status === 'NOT_APPROVED';
}

// Osigu's authorization statuses, one by one: only these allow a dispensation.
const APPROVED_STATUSES = new Set(['CREATED', 'READY', 'PARTIALLY_CLAIMED', 'CLAIMED', 'PAID']);
const NOT_APPROVED_STATUSES = new Set(['ERROR', 'PENDING_REVIEW', 'REQUEST_IN_PROGRESS']);

/** Osigu's authorization resource (its API's answer) read as if it were the events that made it. */
export function authorizationFromOsigu(authorizationId: string, data: Record<string, unknown>): AuthorizationState {
  const at = typeof data.updated_at === 'string' && parseDate(data.updated_at) !== undefined ? data.updated_at : new Date(0).toISOString();
  const status = typeof data.status === 'string' ? data.status : undefined;
  if (status !== undefined && APPROVED_STATUSES.has(status)) {
    return {
      ...foldAuthorization(authorizationId, [{ eventId: 'osigu-api', eventType: 'authorization.created', createdAt: at, data }]),
      osiguStatus: status,
    };
  }
  if (status === 'VOIDED') {
    const events: AppliedEvent[] = [
      { eventId: 'osigu-api', eventType: 'authorization.created', createdAt: at, data },
      { eventId: 'osigu-api-void', eventType: 'authorization.voided', createdAt: at, data },
    ];
    return { ...foldAuthorization(authorizationId, events), osiguStatus: status };
  }
  // Folded like a creation for its ids and products, but its status decides: no approval.
  const base = foldAuthorization(authorizationId, [{ eventId: 'osigu-api', eventType: 'authorization.created', createdAt: at, data }]);
  if (status !== undefined && NOT_APPROVED_STATUSES.has(status))
    return { ...base, status: 'NOT_APPROVED', decidedAt: undefined, osiguStatus: status };
  // A status Osigu added later, or none at all: nothing to trust yet.
  return { ...base, status: 'UNKNOWN', decidedAt: undefined, ...(status === undefined ? {} : { osiguStatus: status }) };
}
