import type { Resource, ResourceTable } from './resource-table';

export interface OsiguTables {
  authorizationRequests: ResourceTable;
  authorizations: ResourceTable;
  dispensations: ResourceTable;
  prescriptions: ResourceTable;
  settlements: ResourceTable;
}

/** Applies one event's `data` to the tables; false when the data lacks the id it needs. */
type Effect = (tables: OsiguTables, data: Resource, atMs: number) => boolean;

// What an authorization request keeps of an authorization event's data (the fixtures' shapes).
const REQUEST_FIELDS = ['beneficiary_id', 'sponsor_slug', 'product_type', 'products', 'sponsor_reference'];

function idOf(data: Resource, field: string): string | undefined {
  const value = data[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requestPart(data: Resource): Resource {
  return Object.fromEntries(REQUEST_FIELDS.filter((field) => field in data).map((field) => [field, data[field]]));
}

/** An authorization implies an approved request, even when the request itself was never seen. */
function ensureApprovedRequest(tables: OsiguTables, data: Resource): void {
  const requestId = idOf(data, 'authorization_request_id');
  if (requestId !== undefined) {
    tables.authorizationRequests.merge(requestId, { ...requestPart(data), status: 'APPROVED' }, Number.NEGATIVE_INFINITY);
  }
}

function authorizationEffect(status: string | undefined): Effect {
  return (tables, data, atMs) => {
    const authorizationId = idOf(data, 'authorization_id');
    if (authorizationId === undefined) return false;
    tables.authorizations.merge(authorizationId, status === undefined ? data : { ...data, status }, atMs);
    ensureApprovedRequest(tables, data);
    return true;
  };
}

function tableEffect(table: keyof OsiguTables, idField: string, extra: (data: Resource) => Resource): Effect {
  return (tables, data, atMs) => {
    const id = idOf(data, idField);
    if (id === undefined) return false;
    tables[table].merge(id, { ...data, ...extra(data) }, atMs);
    return true;
  };
}

const settlementStatus = (fallback: string) => (data: Resource) => ({
  status: typeof data.status === 'string' ? data.status : fallback,
});

/** Every event type the stand-in keeps state for; other types are accepted and ignored. */
export const EVENT_EFFECTS: Readonly<Record<string, Effect>> = {
  'authorization.created': (tables, data, atMs) => {
    if (!authorizationEffect('CREATED')(tables, data, atMs)) return false;
    const requestId = idOf(data, 'authorization_request_id');
    if (requestId !== undefined) tables.authorizationRequests.merge(requestId, { ...requestPart(data), status: 'APPROVED' }, atMs);
    return true;
  },
  'authorization.rejected': (tables, data, atMs) => {
    const requestId = idOf(data, 'authorization_request_id');
    if (requestId === undefined) return false;
    tables.authorizationRequests.merge(
      requestId,
      { ...requestPart(data), rejection_reason: data.rejection_reason, status: 'REJECTED' },
      atMs,
    );
    return true;
  },
  // The update carries no authorization status of its own: products[].status is per product.
  'authorization.updated': authorizationEffect(undefined),
  'authorization.voided': authorizationEffect('VOIDED'),
  'dispensing.started': tableEffect('dispensations', 'dispensation_id', () => ({ status: 'STARTED' })),
  'dispensing.completed': (tables, data, atMs) => {
    if (!tableEffect('dispensations', 'dispensation_id', () => ({ status: 'COMPLETED' }))(tables, data, atMs)) return false;
    // Osigu files the claim when a dispensation of an authorization completes.
    const authorizationId = idOf(data, 'authorization_id');
    if (authorizationId !== undefined && tables.authorizations.has(authorizationId)) {
      tables.authorizations.merge(authorizationId, { status: 'CLAIMED', claim_id: data.claim_id ?? null }, atMs);
    }
    return true;
  },
  'dispensing.cancelled': tableEffect('dispensations', 'dispensation_id', () => ({ status: 'CANCELLED' })),
  'prescription.issued': tableEffect('prescriptions', 'prescription_id', () => ({ status: 'ISSUED' })),
  'prescription.email_delivered': tableEffect('prescriptions', 'prescription_id', () => ({ email_status: 'DELIVERED' })),
  'prescription.email_failed': tableEffect('prescriptions', 'prescription_id', () => ({ email_status: 'FAILED' })),
  'settlement.paid': tableEffect('settlements', 'settlement_id', settlementStatus('ACCEPTED')),
  'settlement.rejected': tableEffect('settlements', 'settlement_id', settlementStatus('REJECTED')),
  'settlement.partially_accepted': tableEffect('settlements', 'settlement_id', settlementStatus('PARTIALLY_ACCEPTED')),
};
