// Deciding entities again, after a bad deploy mis-decided them: a reset of each entity's current
// run to its first workflow task. Temporal re-admits the events the run received (the hand-off's
// Updates) on the new run, and the entity folds them again with the code that is current now: its
// verdicts, discrepancies and notifications follow from the fixed code. Notifications are resent
// under the ids they had, so the provider's systems can tell a repeat; an Osigu lookup runs again.
//
// A re-run of the *events* would not do this: an entity keeps events by id and ignores a copy.
//
// Each re-decision is a Temporal batch job (one entity or many), so it is durable, rate-limited,
// and listed by `ops audit` with who asked and why, like a bulk re-run.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { EVENT_FAMILIES, type FamilyName } from '../osigu/families';
import { bulkRerunQuery, type BulkSelection } from './bulk-rerun';
import { RerunRefusedError } from './rerun';
import { entityRefOf, type EntityRef } from './resources';

/** Batch job ids: the audit trail finds re-decisions by this prefix. */
export const REDECIDE_JOB_PREFIX = 'ops-redecide-';
/** The most entities one command re-decides: a larger repair is several windows, each reviewed. */
export const MAX_REDECIDE = 10_000;

const ENTITY_BY_FAMILY = new Map<string, string>(
  (Object.keys(EVENT_FAMILIES) as FamilyName[]).map((family) => [family, EVENT_FAMILIES[family].entityPrefix]),
);

export interface RedecidePlan {
  /** The event workflows that select the entities: which resources had events in the window. */
  query: string;
  /** Entity workflow ids, sorted. */
  entities: string[];
}

/**
 * The entities whose events the receiver accepted in the window (and that match the operator's
 * query): "every dispensation that had an event yesterday", not every entity started then, since
 * an entity lives for weeks.
 */
export async function planRedecide(client: Client, selection: BulkSelection): Promise<RedecidePlan> {
  const query = bulkRerunQuery(selection);
  const entities = new Set<string>();
  for await (const execution of client.workflow.list({ query })) {
    const family = execution.searchAttributes.OsiguEventFamily?.[0];
    const resource = execution.searchAttributes.OsiguResourceId?.[0];
    const prefix = typeof family === 'string' ? ENTITY_BY_FAMILY.get(family) : undefined;
    if (prefix === undefined || typeof resource !== 'string') continue;
    entities.add(`${prefix}:${resource}`);
    if (entities.size > MAX_REDECIDE)
      throw new RerunRefusedError(`more than ${MAX_REDECIDE} entities match: narrow the window or the query`);
  }
  return { query, entities: [...entities].sort() };
}

export interface RedecideOptions {
  reason: string;
  /** Who asked: recorded as the reset's identity and in its reason (ops audit reads both). */
  by: string;
  ratePerSecond: number;
}

/**
 * Starts the batch reset of these entities (each one's current run, to its first workflow task);
 * answers the job id. One entity's job id names it, so the audit trail can say which.
 */
export async function startRedecide(
  client: Client,
  entities: readonly EntityRef[],
  { reason, by, ratePerSecond }: RedecideOptions,
): Promise<string> {
  const why = reason.trim();
  if (why === '') throw new RerunRefusedError('a reason is required: it is recorded in every new run');
  if (entities.length === 0) throw new RerunRefusedError('no entities to decide again');
  const jobId = `${REDECIDE_JOB_PREFIX}${entities.length === 1 ? `${entities[0]?.workflowId ?? ''}-` : ''}${randomUUID()}`;
  await client.workflowService.startBatchOperation({
    namespace: client.options.namespace,
    jobId,
    executions: entities.map((entity) => ({ workflowId: entity.workflowId })),
    reason: `${why} (by ${by})`,
    maxOperationsPerSecond: ratePerSecond,
    resetOperation: { identity: `ops:${by}`, options: { firstWorkflowTask: {} } },
  });
  return jobId;
}

/** The one entity a resource id (`dsp_…`) or an entity workflow id names, checked to exist. */
export async function entityToRedecide(client: Client, input: string): Promise<EntityRef> {
  const ref = entityRefOf(input);
  try {
    await client.workflow.getHandle(ref.workflowId).describe();
  } catch (error) {
    if (error instanceof Error && error.name === 'WorkflowNotFoundError') throw new RerunRefusedError(`${ref.workflowId}: no such entity`);
    throw error;
  }
  return ref;
}

/** The entity a single re-decision's job id names, if it names one. */
export function entityOfJob(jobId: string): string | undefined {
  if (!jobId.startsWith(REDECIDE_JOB_PREFIX)) return undefined;
  const rest = jobId.slice(REDECIDE_JOB_PREFIX.length);
  // <entity workflow id>-<uuid>: the uuid is the last 36 characters.
  return rest.length > 37 && rest.includes(':') ? rest.slice(0, -37) : undefined;
}
