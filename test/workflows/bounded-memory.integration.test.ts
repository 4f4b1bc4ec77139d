import { createActivities } from '../../src/activities';
import { loadWorkerConfig } from '../../src/config';
import type { AuthorizationView } from '../../src/workflows/views';
import { fixtureEvent } from '../support/delivery';
import { runsOf, TASK_QUEUE, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

// A resource with 1,000 events, handed off the way the event workflow hands them (the same
// activity, the real worker and Temporal): through several continue-as-new, memory stays far
// under Temporal's 2 MB payload limit and each run's history under its limit.

const MAX_HISTORY_EVENTS = 400;
const stack = useStack({
  worker: true,
  workerEnv: { ENTITY_MAX_HISTORY_EVENTS: String(MAX_HISTORY_EVENTS), ENTITY_QUIET_PERIOD: '1h' },
  client: true,
});

it('1,000 events on one authorization: compact memory through continue-as-new, nothing lost', async () => {
  const config = loadWorkerConfig({
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    OSIGU_ENVIRONMENT: 'sandbox',
    ENTITY_MAX_HISTORY_EVENTS: String(MAX_HISTORY_EVENTS),
    ENTITY_QUIET_PERIOD: '1h',
  });
  const activities = createActivities({
    client: stack.client,
    taskQueue: TASK_QUEUE,
    settings: config.settings,
    osigu: undefined,
    notifyProvider: () => Promise.resolve({ delivered: false }),
  });
  const authorizationId = `auth_MEM${Date.now().toString(36).toUpperCase()}`;
  const template = fixtureEvent('authorization.updated');
  const base = Date.UTC(2026, 10, 25, 15, 0);
  const events = Array.from({ length: 1000 }, (_, index) => ({
    eventId: `evt_mem_${authorizationId}_${index}`,
    eventType: index === 0 ? 'authorization.created' : 'authorization.updated',
    createdAt: new Date(base + index * 1000).toISOString(),
    // The fixture's full data (sponsor notes, posology, …), as Osigu sends it.
    data: {
      ...(template.data as Record<string, unknown>),
      authorization_id: authorizationId,
      sponsor_notes: `note ${index} ${'x'.repeat(200)}`,
    },
  }));

  const outcomes: string[] = [];
  for (let next = 0; next < events.length; next += 10) {
    const batch = events.slice(next, next + 10);
    outcomes.push(
      ...(await Promise.all(batch.map(async (event) => (await activities.forwardEvent('authorization', authorizationId, event)).outcome))),
    );
  }
  expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1000);

  const workflowId = `authorization:${authorizationId}`;
  const view = await stack.client.workflow.getHandle(workflowId).query<AuthorizationView>('state');
  expect(new Set(view.eventIds).size).toBe(1000);

  const runs = await waitFor('every run visible', async () => {
    const found = await runsOf(stack.client, workflowId);
    return found.length >= 3 ? found : undefined;
  });
  let largestInput = 0;
  for (const runId of runs) {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const historyEvents = history.events ?? [];
    expect(historyEvents.length).toBeLessThan(MAX_HISTORY_EVENTS + 100);
    const input = historyEvents[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
    largestInput = Math.max(largestInput, input);
  }
  // 1,000 events with ~1 KB of data each would be ~1 MB; kept compact (projected, superseded ones
  // dropped, ids kept), memory is a tenth of Temporal's 2 MB limit at most.
  process.stdout.write(`bounded memory: ${runs.length} runs, largest continue-as-new input ${largestInput} bytes\n`);
  expect(largestInput).toBeGreaterThan(0);
  expect(largestInput).toBeLessThan(200_000);
}, 300_000);
