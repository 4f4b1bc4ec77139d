// Pure domain code: imported by workflows, so no Node built-ins and no I/O here.
import type { AuthorizationState, RegisteredDispensation } from './authorization';
import type { DispensationState } from './dispensation';
import { parseDate } from './entity-decision';

/** One named reason why a completed dispensation does not match what was authorized or prescribed. */
export type Discrepancy =
  | { rule: 'authorization_unknown'; authorizationId: string | undefined }
  | { rule: 'authorization_not_approved'; status: string }
  | { rule: 'authorization_voided'; voidedAt: string }
  | { rule: 'authorization_expired'; expiresAt: string }
  | { rule: 'code_mismatch'; dispensedCode: string | undefined; authorizationCode: string | undefined }
  | { rule: 'product_not_authorized'; productCode: string }
  | { rule: 'quantity_exceeds_authorized'; productCode: string; dispensed: number; authorized: number }
  | {
      rule: 'cumulative_quantity_exceeds_authorized';
      productCode: string;
      cumulative: number;
      authorized: number;
      earlierDispensationIds: string[];
    }
  | { rule: 'total_mismatch'; expected: number | null; actual: number | undefined }
  | { rule: 'cancelled_after_completion'; cancelledAt: string | undefined }
  | { rule: 'date_unreadable'; field: string }
  | { rule: 'prescription_unknown'; prescriptionId: string | undefined }
  | { rule: 'product_not_prescribed'; productCode: string }
  | { rule: 'quantity_exceeds_prescribed'; productCode: string; dispensed: number; prescribed: number };

export type Reconciliation = { result: 'reconciled' } | { result: 'discrepancy'; discrepancies: Discrepancy[] };

/** A prescription's medications, as its entity knows them. */
export interface PrescribedMedication {
  productCode: string;
  quantity: number;
}

/** What a prescription-coded dispensation is reconciled against. */
export interface PrescriptionAnswer {
  /** undefined when no prescription entity knows it. */
  medications: PrescribedMedication[] | undefined;
}

// Money is compared in cents: 0.1 + 0.2 must equal 0.3 here.
const cents = (value: number): number => Math.round(value * 100);

const verdict = (found: Discrepancy[]): Reconciliation =>
  found.length === 0 ? { result: 'reconciled' } : { result: 'discrepancy', discrepancies: found };

function quantitiesOf(products: readonly { productCode: string; quantity: number }[]): Map<string, number> {
  const byCode = new Map<string, number>();
  for (const product of products) byCode.set(product.productCode, (byCode.get(product.productCode) ?? 0) + product.quantity);
  return byCode;
}

/** Dispensations in the order they happened (`completed_at`, then id): arrival order never matters. */
function happenedBefore(a: { completedAt: string; dispensationId: string }, b: { completedAt: string; dispensationId: string }): boolean {
  const at = parseDate(a.completedAt) ?? Number.POSITIVE_INFINITY;
  const bt = parseDate(b.completedAt) ?? Number.POSITIVE_INFINITY;
  return at < bt || (at === bt && a.dispensationId < b.dispensationId);
}

function checkedTotals(dispensation: DispensationState, found: Discrepancy[]): void {
  if (dispensation.cancelledAfterCompletion) found.push({ rule: 'cancelled_after_completion', cancelledAt: dispensation.cancelledAt });
  const expected = dispensation.products.reduce((sum, product) => sum + cents(product.quantity * (product.unitPrice ?? Number.NaN)), 0);
  if (dispensation.totalAmount === undefined || Number.isNaN(expected) || expected !== cents(dispensation.totalAmount)) {
    found.push({ rule: 'total_mismatch', expected: Number.isNaN(expected) ? null : expected / 100, actual: dispensation.totalAmount });
  }
  if (dispensation.completedAt !== undefined && parseDate(dispensation.completedAt) === undefined)
    found.push({ rule: 'date_unreadable', field: 'completed_at' });
}

/**
 * The checks a provider makes before trusting a claim against an authorization, all of them at
 * once so an operator sees the whole picture. `registered` are every dispensation completed with
 * this authorization (this one may be among them): several are legitimate (partial claims), as
 * long as their quantities together stay within what was authorized. The ones that happened
 * first keep the quantity, whatever order they reached us in.
 */
export function reconcileDispensation(
  dispensation: DispensationState,
  authorization: AuthorizationState | undefined,
  registered: readonly RegisteredDispensation[],
): Reconciliation {
  const found: Discrepancy[] = [];
  const dispensedAt = parseDate(dispensation.completedAt);
  checkedTotals(dispensation, found);

  if (authorization === undefined || authorization.status === 'UNKNOWN') {
    found.push({ rule: 'authorization_unknown', authorizationId: dispensation.authorizationId });
    return verdict(found);
  }
  if (authorization.status === 'REJECTED' || authorization.status === 'NOT_APPROVED') {
    found.push({ rule: 'authorization_not_approved', status: authorization.osiguStatus ?? authorization.status });
  }
  if (authorization.voidedAt !== undefined) {
    const voidedAt = parseDate(authorization.voidedAt);
    if (voidedAt === undefined || dispensedAt === undefined || voidedAt <= dispensedAt)
      found.push({ rule: 'authorization_voided', voidedAt: authorization.voidedAt });
  }
  if (authorization.expiresAt !== undefined && dispensedAt !== undefined) {
    const expiresAt = parseDate(authorization.expiresAt);
    if (expiresAt !== undefined && expiresAt < dispensedAt)
      found.push({ rule: 'authorization_expired', expiresAt: authorization.expiresAt });
  }
  if ((authorization.invalidDates ?? []).includes('expires_at')) found.push({ rule: 'date_unreadable', field: 'expires_at' });
  if (authorization.authorizationCode !== undefined && dispensation.code !== authorization.authorizationCode) {
    found.push({ rule: 'code_mismatch', dispensedCode: dispensation.code, authorizationCode: authorization.authorizationCode });
  }

  const self = { dispensationId: dispensation.dispensationId, completedAt: dispensation.completedAt ?? '' };
  const earlier = registered.filter(
    (other) => other.dispensationId !== dispensation.dispensationId && other.cancelled !== true && happenedBefore(other, self),
  );
  for (const [productCode, dispensed] of quantitiesOf(dispensation.products)) {
    const authorized = authorization.products.find((product) => product.productCode === productCode);
    if (authorized === undefined) {
      found.push({ rule: 'product_not_authorized', productCode });
      continue;
    }
    if (dispensed > authorized.authorizedQuantity) {
      found.push({ rule: 'quantity_exceeds_authorized', productCode, dispensed, authorized: authorized.authorizedQuantity });
      continue;
    }
    const before = earlier.filter((other) => (other.products ?? []).some((product) => product.productCode === productCode));
    const cumulative = dispensed + before.reduce((sum, other) => sum + (quantitiesOf(other.products ?? []).get(productCode) ?? 0), 0);
    // A cancelled dispensation returns nothing to the pool of its own verdict: it is flagged anyway.
    if (cumulative > authorized.authorizedQuantity && !dispensation.cancelledAfterCompletion) {
      found.push({
        rule: 'cumulative_quantity_exceeds_authorized',
        productCode,
        cumulative,
        authorized: authorized.authorizedQuantity,
        earlierDispensationIds: before.map((other) => other.dispensationId).sort(),
      });
    }
  }
  return verdict(found);
}

/** A prescription-coded dispensation, checked against its prescription's medications. */
export function reconcilePrescribed(dispensation: DispensationState, prescription: PrescriptionAnswer): Reconciliation {
  const found: Discrepancy[] = [];
  checkedTotals(dispensation, found);
  if (prescription.medications === undefined) {
    found.push({ rule: 'prescription_unknown', prescriptionId: dispensation.prescriptionId });
    return verdict(found);
  }
  const prescribed = quantitiesOf(prescription.medications);
  for (const [productCode, dispensed] of quantitiesOf(dispensation.products)) {
    const quantity = prescribed.get(productCode);
    if (quantity === undefined) found.push({ rule: 'product_not_prescribed', productCode });
    else if (dispensed > quantity) found.push({ rule: 'quantity_exceeds_prescribed', productCode, dispensed, prescribed: quantity });
  }
  return verdict(found);
}
