// What an operator may see of an entity: ids, types, statuses, rule names, amounts and times.
// Every field is copied by name from the state query's answer, never spread, so a field added to a
// view later (or Osigu data in it) does not reach a terminal or a log until someone adds it here.
import type { AuthorizationView } from '../workflows/authorization-entity';
import type { DispensationView } from '../workflows/dispensation-entity';
import type { PrescriptionView } from '../workflows/prescription-entity';
import type { SettlementView } from '../workflows/settlement-entity';
import type { EntityKind } from './resources';

export type Scalar = string | number | boolean | null;

/** A discrepancy rule with its amounts only (no product codes, no other Osigu data). */
export interface DiscrepancySummary {
  rule: string;
  amounts: Record<string, number>;
}

export interface ResolutionSummary {
  decision: string;
  by: string;
  at: string | null;
}

export interface EntitySummary {
  kind: EntityKind;
  resourceId: string;
  status: string;
  flags: string[];
  eventIds: string[];
  /** Whitelisted per kind: ids, codes, amounts, times. */
  details: Record<string, Scalar | string[]>;
  discrepancies?: DiscrepancySummary[];
  resolution?: ResolutionSummary | null;
}

type Loose<T> = { [K in keyof T]?: unknown };

const obj = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const strings = (value: unknown): string[] => list(value).filter((item): item is string => typeof item === 'string');

/** The numbers a rule carries (quantities, amounts), never its strings. */
const AMOUNT_FIELDS = ['dispensed', 'authorized', 'expected', 'actual'] as const;

export function summarizeDiscrepancies(reconciliation: unknown): DiscrepancySummary[] {
  const value = obj(reconciliation);
  if (value.result !== 'discrepancy') return [];
  return list(value.discrepancies).flatMap((item) => {
    const discrepancy = obj(item);
    const rule = str(discrepancy.rule);
    if (rule === null) return [];
    const amounts: Record<string, number> = {};
    for (const field of AMOUNT_FIELDS) {
      const amount = num(discrepancy[field]);
      if (amount !== null) amounts[field] = amount;
    }
    return [{ rule, amounts }];
  });
}

export function summarizeResolution(resolution: unknown): ResolutionSummary | null {
  const value = obj(resolution);
  const decision = str(value.decision);
  const by = str(value.by);
  return decision === null || by === null ? null : { decision, by, at: str(value.at) };
}

function dispensation(resourceId: string, view: Loose<DispensationView>): EntitySummary {
  const state = obj(view.dispensation);
  const reconciliation = obj(view.reconciliation);
  return {
    kind: 'dispensation',
    resourceId,
    status: str(state.status) ?? 'UNKNOWN',
    flags: strings(view.flags),
    eventIds: strings(view.eventIds),
    details: {
      authorizationId: str(state.authorizationId),
      code: str(state.code),
      codeType: str(state.codeType),
      claimId: str(state.claimId),
      totalAmount: num(state.totalAmount),
      currencyCode: str(state.currencyCode),
      completedAt: str(state.completedAt),
      cancelledAt: str(state.cancelledAt),
      reconciliation: str(reconciliation.result),
      authorizationSource: str(view.authorizationSource),
      escalations: num(view.escalations) ?? 0,
    },
    discrepancies: summarizeDiscrepancies(view.reconciliation),
    resolution: summarizeResolution(view.resolution),
  };
}

function authorization(resourceId: string, view: Loose<AuthorizationView>): EntitySummary {
  const state = obj(view.authorization);
  return {
    kind: 'authorization',
    resourceId,
    status: str(state.status) ?? 'UNKNOWN',
    flags: strings(view.flags),
    eventIds: strings(view.eventIds),
    details: {
      authorizationId: str(state.authorizationId),
      authorizationCode: str(state.authorizationCode),
      authorizationRequestId: str(state.authorizationRequestId),
      paymentType: str(state.paymentType),
      decidedAt: str(state.decidedAt),
      expiresAt: str(state.expiresAt),
      voidedAt: str(state.voidedAt),
      dispensations: list(view.dispensations).flatMap((item) => str(obj(item).dispensationId) ?? []),
    },
  };
}

function prescription(resourceId: string, view: Loose<PrescriptionView>): EntitySummary {
  const state = obj(view.prescription);
  return {
    kind: 'prescription',
    resourceId,
    status: str(state.status) ?? 'UNKNOWN',
    flags: strings(view.flags),
    eventIds: strings(view.eventIds),
    details: {
      prescriptionCode: str(state.prescriptionCode),
      version: str(state.version),
      issuedAt: str(state.issuedAt),
      deliveredAt: str(state.deliveredAt),
      failedAt: str(state.failedAt),
    },
  };
}

function settlement(resourceId: string, view: Loose<SettlementView>): EntitySummary {
  const state = obj(view.settlement);
  return {
    kind: 'settlement',
    resourceId,
    status: str(state.status) ?? 'UNKNOWN',
    flags: strings(view.flags),
    eventIds: strings(view.eventIds),
    details: {
      period: str(state.period),
      currencyCode: str(state.currencyCode),
      totalAmount: num(state.totalAmount),
      settledAmount: num(state.settledAmount),
      paymentReference: str(state.paymentReference),
      claims: list(state.claims).length,
      // Ids only: a rejection reason is the sponsor's free text.
      rejectedClaims: list(view.rejectedClaims).flatMap((item) => str(obj(item).claimId) ?? []),
    },
  };
}

/** The printable part of an entity's `state` answer. */
export function summarizeEntity(kind: EntityKind, resourceId: string, view: unknown): EntitySummary {
  const value = obj(view);
  switch (kind) {
    case 'dispensation':
      return dispensation(resourceId, value);
    case 'authorization':
      return authorization(resourceId, value);
    case 'prescription':
      return prescription(resourceId, value);
    case 'settlement':
      return settlement(resourceId, value);
  }
}

/** When the open discrepancy was raised: the entity's last `dispensation.discrepancy` notification. */
export function discrepancyOpenedAt(view: unknown): string | null {
  const records = list(obj(view).notifications).map(obj);
  const raised = records.filter((record) => record.kind === 'dispensation.discrepancy');
  return str(raised[raised.length - 1]?.at);
}
