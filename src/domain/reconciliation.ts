import type { AuthorizationState, RegisteredDispensation } from './authorization';
import type { DispensationState } from './dispensation';

/** One named reason why a completed dispensation does not match what was authorized. */
export type Discrepancy =
  | { rule: 'authorization_unknown'; authorizationId: string | undefined }
  | { rule: 'authorization_not_approved'; status: string }
  | { rule: 'authorization_voided'; voidedAt: string }
  | { rule: 'authorization_expired'; expiresAt: string }
  | { rule: 'code_mismatch'; dispensedCode: string | undefined; authorizationCode: string | undefined }
  | { rule: 'product_not_authorized'; productCode: string }
  | { rule: 'quantity_exceeds_authorized'; productCode: string; dispensed: number; authorized: number }
  | { rule: 'total_mismatch'; expected: number | null; actual: number | undefined }
  | { rule: 'code_already_completed'; otherDispensationId: string }
  | { rule: 'cancelled_after_completion'; cancelledAt: string | undefined };

export type Reconciliation = { result: 'reconciled' } | { result: 'discrepancy'; discrepancies: Discrepancy[] };

// Money is compared in cents: 0.1 + 0.2 must equal 0.3 here.
const cents = (value: number): number => Math.round(value * 100);

/**
 * The checks a provider makes before trusting a claim, all of them at once so an operator sees
 * the whole picture. `others` are the other dispensations already completed with this
 * authorization, as its entity registered them.
 */
export function reconcileDispensation(
  dispensation: DispensationState,
  authorization: AuthorizationState | undefined,
  others: readonly RegisteredDispensation[],
): Reconciliation {
  const found: Discrepancy[] = [];
  const dispensedAt = dispensation.completedAt;

  if (dispensation.cancelledAfterCompletion) found.push({ rule: 'cancelled_after_completion', cancelledAt: dispensation.cancelledAt });

  const expected = dispensation.products.reduce((sum, product) => sum + cents(product.quantity * (product.unitPrice ?? Number.NaN)), 0);
  if (dispensation.totalAmount === undefined || Number.isNaN(expected) || expected !== cents(dispensation.totalAmount)) {
    found.push({ rule: 'total_mismatch', expected: Number.isNaN(expected) ? null : expected / 100, actual: dispensation.totalAmount });
  }

  // Only a prescription code has no authorization to answer to; an unknown code type is checked.
  if (dispensation.codeType === 'PRESCRIPTION') {
    return found.length === 0 ? { result: 'reconciled' } : { result: 'discrepancy', discrepancies: found };
  }

  if (authorization === undefined || authorization.status === 'UNKNOWN') {
    found.push({ rule: 'authorization_unknown', authorizationId: dispensation.authorizationId });
    return { result: 'discrepancy', discrepancies: found };
  }
  if (authorization.status === 'REJECTED') found.push({ rule: 'authorization_not_approved', status: authorization.status });
  if (authorization.voidedAt !== undefined && (dispensedAt === undefined || Date.parse(authorization.voidedAt) <= Date.parse(dispensedAt))) {
    found.push({ rule: 'authorization_voided', voidedAt: authorization.voidedAt });
  }
  if (authorization.expiresAt !== undefined && dispensedAt !== undefined && Date.parse(authorization.expiresAt) < Date.parse(dispensedAt)) {
    found.push({ rule: 'authorization_expired', expiresAt: authorization.expiresAt });
  }
  if (authorization.authorizationCode !== undefined && dispensation.code !== authorization.authorizationCode) {
    found.push({ rule: 'code_mismatch', dispensedCode: dispensation.code, authorizationCode: authorization.authorizationCode });
  }

  const dispensedByCode = new Map<string, number>();
  for (const product of dispensation.products) {
    dispensedByCode.set(product.productCode, (dispensedByCode.get(product.productCode) ?? 0) + product.quantity);
  }
  for (const [productCode, dispensed] of dispensedByCode) {
    const authorized = authorization.products.find((product) => product.productCode === productCode);
    if (authorized === undefined) found.push({ rule: 'product_not_authorized', productCode });
    else if (dispensed > authorized.authorizedQuantity) {
      found.push({ rule: 'quantity_exceeds_authorized', productCode, dispensed, authorized: authorized.authorizedQuantity });
    }
  }

  // The earlier completion keeps the code, whichever of the two reached us first.
  for (const other of others) {
    if (other.dispensationId === dispensation.dispensationId || other.code !== dispensation.code) continue;
    const otherFirst =
      dispensedAt === undefined ||
      Date.parse(other.completedAt) < Date.parse(dispensedAt) ||
      (other.completedAt === dispensedAt && other.dispensationId < dispensation.dispensationId);
    if (otherFirst) found.push({ rule: 'code_already_completed', otherDispensationId: other.dispensationId });
  }

  return found.length === 0 ? { result: 'reconciled' } : { result: 'discrepancy', discrepancies: found };
}
