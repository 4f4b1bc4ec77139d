import type { Client } from '@temporalio/client';
import { mapLimit } from './concurrency';
import { describeIfExists } from './event-record';
import { EVENT_WORKFLOW_TYPES } from './resources';

/** Visibility's answer to "which events are parked" (src/workflows/handle-event.ts). */
export const PARKED_QUERY = `OsiguOutcome = 'parked'`;

const REASONS = ['handoff_failed', 'apply_failed'];

export interface ParkedEvent {
  eventId: string;
  workflowType: string;
  /** handoff_failed or apply_failed. */
  reason: string;
  flags: string[];
  /** When it was parked (its run closed). */
  since: string | null;
}

const keywords = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/**
 * The events whose latest run is parked: a re-run that got through is no longer listed, even
 * though its earlier, parked run is still in visibility.
 */
export async function listParked(
  client: Client,
  { query, concurrency = 8 }: { query?: string; concurrency?: number } = {},
): Promise<ParkedEvent[]> {
  const ids = new Set<string>();
  const full = query === undefined ? PARKED_QUERY : `${PARKED_QUERY} AND (${query})`;
  for await (const execution of client.workflow.list({ query: full }))
    if (EVENT_WORKFLOW_TYPES.has(execution.type)) ids.add(execution.workflowId);
  const latest = await mapLimit([...ids], concurrency, async (eventId) => ({
    eventId,
    description: await describeIfExists(client, eventId),
  }));
  return latest
    .flatMap(({ eventId, description }): ParkedEvent[] => {
      if (description === undefined) return [];
      const outcome = keywords(description.searchAttributes.OsiguOutcome);
      if (!outcome.includes('parked')) return [];
      const flags = keywords(description.searchAttributes.OsiguFlags);
      return [
        {
          eventId,
          workflowType: description.type,
          reason: flags.find((flag) => REASONS.includes(flag)) ?? 'unknown',
          flags,
          since: description.closeTime?.toISOString() ?? null,
        },
      ];
    })
    .sort((a, b) => (a.since ?? '').localeCompare(b.since ?? ''));
}
