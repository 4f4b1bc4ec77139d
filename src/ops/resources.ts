import { EVENT_FAMILIES, GENERIC_WORKFLOW_TYPE, entityWorkflowId, type FamilyName } from '../osigu/families';

export type EntityKind = (typeof EVENT_FAMILIES)[FamilyName]['entityPrefix'];

/** One resource's entity workflow, as an operator names it. */
export interface EntityRef {
  kind: EntityKind;
  resourceId: string;
  workflowId: string;
}

/** Osigu's id prefixes and the family whose entity keeps that resource. */
export const RESOURCE_PREFIXES: Readonly<Record<string, FamilyName>> = {
  auth_: 'authorization',
  // A rejected request never became an authorization: its entity is keyed by the request id.
  areq_: 'authorization',
  dsp_: 'dispensing',
  rx_: 'prescription',
  stl_: 'settlement',
};

const FAMILY_BY_ENTITY_PREFIX = new Map<string, FamilyName>(
  (Object.keys(EVENT_FAMILIES) as FamilyName[]).map((family) => [EVENT_FAMILIES[family].entityPrefix, family]),
);

/** Workflow types of the one-per-event workflows (as opposed to the long-lived entities). */
export const EVENT_WORKFLOW_TYPES: ReadonlySet<string> = new Set([
  ...(Object.keys(EVENT_FAMILIES) as FamilyName[]).map((family) => EVENT_FAMILIES[family].workflowType),
  GENERIC_WORKFLOW_TYPE,
]);

// Ids are interpolated into visibility queries: letters, digits and a few separators only, so a
// quote can never change what a query asks.
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

export class InvalidResourceIdError extends Error {
  override readonly name = 'InvalidResourceIdError';
}

/** Checks an id before it goes into a visibility query or a workflow id. */
export function assertSafeId(id: string, what = 'id'): string {
  if (!SAFE_ID.test(id)) throw new InvalidResourceIdError(`${what} "${id}" is not valid: letters, digits, _ . : - only`);
  return id;
}

const accepted = (): string =>
  [
    ...Object.keys(RESOURCE_PREFIXES).map((prefix) => `${prefix}…`),
    ...[...FAMILY_BY_ENTITY_PREFIX.keys()].map((prefix) => `${prefix}:<id>`),
  ].join(', ');

/** `auth_…`, `areq_…`, `dsp_…`, `rx_…`, `stl_…`, or a full entity workflow id like `dispensation:dsp_…`. */
export function entityRefOf(input: string): EntityRef {
  const id = assertSafeId(input.trim(), 'resource id');
  const colon = id.indexOf(':');
  if (colon >= 0) {
    const family = FAMILY_BY_ENTITY_PREFIX.get(id.slice(0, colon));
    const resourceId = id.slice(colon + 1);
    if (family === undefined || resourceId.length === 0 || resourceId.includes(':')) {
      throw new InvalidResourceIdError(`"${id}" is not an entity workflow id; expected one of ${accepted()}`);
    }
    return { kind: EVENT_FAMILIES[family].entityPrefix, resourceId, workflowId: id };
  }
  const prefix = Object.keys(RESOURCE_PREFIXES).find((candidate) => id.startsWith(candidate) && id.length > candidate.length);
  const family = prefix === undefined ? undefined : RESOURCE_PREFIXES[prefix];
  if (family === undefined) throw new InvalidResourceIdError(`unknown resource id "${id}"; expected one of ${accepted()}`);
  const definition = EVENT_FAMILIES[family];
  return { kind: definition.entityPrefix, resourceId: id, workflowId: entityWorkflowId(definition, id) };
}

/** A dispensation id, bare (`dsp_…`) or as its entity workflow id (`dispensation:dsp_…`). */
export function dispensationRefOf(input: string): EntityRef {
  const id = assertSafeId(input.trim(), 'dispensation id');
  const ref = id.includes(':') || Object.keys(RESOURCE_PREFIXES).some((prefix) => id.startsWith(prefix)) ? entityRefOf(id) : undefined;
  if (ref !== undefined && ref.kind !== 'dispensation')
    throw new InvalidResourceIdError(`"${id}" is a ${ref.kind} id, not a dispensation id`);
  // An id without a known prefix is taken as Osigu gave it: Osigu owns the id format.
  return ref ?? { kind: 'dispensation', resourceId: id, workflowId: entityWorkflowId(EVENT_FAMILIES.dispensing, id) };
}
