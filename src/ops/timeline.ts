import type { Client } from '@temporalio/client';
import { mapLimit } from './concurrency';
import { DEFAULT_QUERY_TIMEOUT_MS, queryEntityState } from './entity-state';
import { describeIfExists, eventSummary, type EventSummary } from './event-record';
import { EVENT_WORKFLOW_TYPES, entityRefOf, type EntityRef } from './resources';
import { summarizeEntity, type EntitySummary } from './summaries';

export interface TimelineEvent extends EventSummary {
  /** Runs under this event id: more than one after a deliberate re-run (`ops rerun`). */
  runs: number;
}

export interface Timeline {
  entity: EntityRef;
  /** RUNNING, COMPLETED, …; null when the entity workflow does not exist (yet, or any more). */
  entityExecutionStatus: string | null;
  /** null when the entity does not exist, or its state query failed (see stateError). */
  state: EntitySummary | null;
  stateError: string | null;
  /** Event workflows of this resource, in Osigu's `created_at` order (ties by event id). */
  events: TimelineEvent[];
  /** Ids the entity applied that have no event workflow (e.g. `osigu-api:…` lookups, or past retention). */
  appliedWithoutWorkflow: string[];
}

export interface TimelineOptions {
  queryTimeoutMs?: number;
  concurrency?: number;
}

export function byCreatedAt(a: Pick<EventSummary, 'createdAt' | 'eventId'>, b: Pick<EventSummary, 'createdAt' | 'eventId'>): number {
  const at = (value: string | null): number => (value === null ? Number.POSITIVE_INFINITY : Date.parse(value));
  const difference = at(a.createdAt) - at(b.createdAt);
  if (difference !== 0 && !Number.isNaN(difference)) return difference;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/**
 * A resource's entity state and its event workflows. Events are found two ways: by the
 * `OsiguResourceId` search attribute (visibility, a moment behind) and by the entity's own list of
 * applied event ids (immediate), so a just-delivered event shows either way.
 */
export async function resourceTimeline(
  client: Client,
  resourceId: string,
  { queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS, concurrency = 8 }: TimelineOptions = {},
): Promise<Timeline> {
  const entity = entityRefOf(resourceId);

  const entityDescription = await describeIfExists(client, entity.workflowId);
  let state: EntitySummary | null = null;
  let stateError: string | null = null;
  if (entityDescription !== undefined) {
    try {
      const view = await queryEntityState(client, entity.workflowId, queryTimeoutMs);
      state = view === undefined ? null : summarizeEntity(entity.kind, entity.resourceId, view);
    } catch (error) {
      stateError = error instanceof Error ? error.message : String(error);
    }
  }

  const runs = new Map<string, number>();
  for await (const execution of client.workflow.list({ query: `OsiguResourceId = '${entity.resourceId}'` })) {
    if (!EVENT_WORKFLOW_TYPES.has(execution.type)) continue; // the entity carries the attribute too
    runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
  }
  const ids = [...new Set([...runs.keys(), ...(state?.eventIds ?? [])])];

  const found = await mapLimit(ids, concurrency, async (eventId) => {
    const description = await describeIfExists(client, eventId);
    if (description === undefined || !EVENT_WORKFLOW_TYPES.has(description.type)) return { missing: eventId };
    return { event: { ...(await eventSummary(client, description)), runs: Math.max(1, runs.get(eventId) ?? 1) } };
  });

  const events: TimelineEvent[] = [];
  const appliedWithoutWorkflow: string[] = [];
  for (const item of found) {
    if ('event' in item) events.push(item.event);
    else appliedWithoutWorkflow.push(item.missing);
  }
  events.sort(byCreatedAt);
  return { entity, entityExecutionStatus: entityDescription?.status.name ?? null, state, stateError, events, appliedWithoutWorkflow };
}
