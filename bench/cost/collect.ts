// Reads the histories behind a set of event workflows from a running Temporal: each event's own
// run, and every run of the entities they were handed to (continue-as-new and ended runs too).
import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { handOffEvents, type EntityHistory, type EventHistory } from './attribute';

export interface Collected {
  events: EventHistory[];
  entities: EntityHistory[];
  /** History events in Temporal for these workflows, all runs: what a duplicate delivery must not grow. */
  totalHistoryEvents: number;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await fn(items[index] as T);
  });
  await Promise.all(lanes);
  return results;
}

export async function collect(client: Client, eventIds: readonly string[], concurrency = 16): Promise<Collected> {
  const entityIds = new Set<string>();
  const events = await mapLimit(eventIds, concurrency, async (eventId): Promise<EventHistory> => {
    const handle = client.workflow.getHandle(eventId);
    const [history, description, result] = await Promise.all([
      handle.fetchHistory(),
      handle.describe(),
      handle.result() as Promise<{ eventType?: string; entityWorkflowId?: string }>,
    ]);
    if (result.entityWorkflowId !== undefined) entityIds.add(result.entityWorkflowId);
    return { eventId, eventType: result.eventType ?? description.type, events: history.events ?? [] };
  });

  const runs: { workflowId: string; runId: string }[] = [];
  for (const workflowId of entityIds) {
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runs.push({ workflowId, runId: execution.runId });
  }
  const entities = await mapLimit(runs, concurrency, async ({ workflowId, runId }): Promise<EntityHistory> => {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const handOffs = new Map<number, string>();
    for (const handOff of handOffEvents(history.events ?? [])) {
      if (handOff.updateId !== undefined) handOffs.set(handOff.historyEventId, handOff.updateId);
      else {
        const [applied] = (await decodeArrayFromPayloads(
          client.options.loadedDataConverter,
          handOff.signal?.workflowExecutionSignaledEventAttributes?.input?.payloads,
        )) as [{ eventId?: string } | undefined];
        if (typeof applied?.eventId === 'string') handOffs.set(handOff.historyEventId, applied.eventId);
      }
    }
    return { workflowId, events: history.events ?? [], handOffs };
  });
  const totalHistoryEvents = [...events, ...entities].reduce((sum, history) => sum + history.events.length, 0);
  return { events, entities, totalHistoryEvents };
}
