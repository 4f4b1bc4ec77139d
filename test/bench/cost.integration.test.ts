// `npm run bench -- --cost-only --send N` against a real stack: every fixture type is counted, and
// a duplicate delivery adds no Temporal work at all.
import { measureFixtureMix } from '../../bench/cost/command';
import { FIXTURES_DIR, TEST_SECRET } from '../support/delivery';
import { useStack } from '../support/stack';

const stack = useStack({ worker: true, receiver: true, client: true });

it('counts the work of each of the 13 event types from their histories, and duplicates add nothing', async () => {
  const { report, duplicates } = await measureFixtureMix(stack.client, {
    copies: 2,
    url: `${stack.receiver.origin}/osigu/webhooks`,
    secret: TEST_SECRET,
    fixturesDir: FIXTURES_DIR,
  });
  expect(Object.keys(report.perType)).toHaveLength(13);
  for (const row of Object.values(report.perType)) {
    expect(row.events).toBe(2);
    // Every event workflow starts, runs at least one workflow task, and hands its event on.
    expect(row.eventWorkflow.workflowTasks).toBeGreaterThanOrEqual(1);
    expect(row.total.historyEvents).toBeGreaterThan(row.eventWorkflow.historyEvents);
  }
  expect(report.mix.events).toBe(26);
  expect(duplicates).toEqual({ deliveries: 26, historyEventsAdded: 0 });
}, 120_000);
