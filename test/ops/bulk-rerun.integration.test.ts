// `ops rerun --query … --since …`: a bulk re-run as an operator runs it after a bad deploy, against
// a real Temporal dev server (its batch operations), a real worker and the real receiver.
import { bulkRerunQuery, parseSince } from '../../src/ops/bulk-rerun';
import { EXIT } from '../../src/ops/cli';
import { resetReasonOf } from '../../src/ops/rerun';
import { useStack } from '../support/stack';
import { entitySummary, eventually, playDiscrepancyStory, type Story } from './story';
import { opsRunner } from './run-ops';

const stack = useStack({ worker: true, receiver: true, client: true });
let story: Story;
let startedAt: Date;

beforeAll(async () => {
  startedAt = new Date(Date.now() - 1_000);
  story = await playDiscrepancyStory(`${stack.receiver.origin}/osigu/webhooks`, stack.client);
}, 120_000);

const ops = opsRunner(() => ({ TEMPORAL_ADDRESS: stack.temporal.address }));

const authorizationEvents = (): string => `OsiguEventFamily = 'authorization'`;

it('builds a query of event workflows only, in the window, within the operator query', () => {
  const since = new Date('2026-12-01T00:00:00Z');
  expect(bulkRerunQuery({ since, until: new Date('2026-12-01T01:00:00Z'), query: "OsiguEventType = 'dispensing.completed'" })).toBe(
    "WorkflowType IN ('authorizationEventWorkflow', 'dispensingEventWorkflow', 'genericEventWorkflow', 'prescriptionEventWorkflow', 'settlementEventWorkflow') AND StartTime >= '2026-12-01T00:00:00.000Z' AND StartTime <= '2026-12-01T01:00:00.000Z' AND (OsiguEventType = 'dispensing.completed')",
  );
  expect(() => bulkRerunQuery({ since, until: since })).toThrow(/--until must be after --since/);
  expect(parseSince('2h', new Date('2026-12-01T02:00:00Z')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  expect(() => parseSince('yesterday', new Date())).toThrow(/not a time/);
});

it('by default only shows how many match and a sample, and changes nothing', async () => {
  const run = await eventually('visibility to list both authorization events', async () => {
    const found = await ops('rerun', '--reason', 'bulk test', '--since', startedAt.toISOString(), '--query', authorizationEvents());
    return found.stdout.startsWith('2 event workflows match') ? found : undefined;
  });
  expect(run.code).toBe(EXIT.ok);
  expect(run.stdout).toContain(story.created.event_id);
  expect(run.stdout).toContain(story.updated.event_id);
  expect(run.stdout).toContain('Dry run: nothing changed.');
  expect((await stack.client.workflow.count(`WorkflowId = '${story.created.event_id}'`)).count).toBe(1);
});

it('refuses a bulk re-run without a window, and --yes without --by', async () => {
  const noWindow = await ops('rerun', '--reason', 'x', '--query', authorizationEvents());
  expect(noWindow.code).toBe(EXIT.failed);
  expect(noWindow.stderr).toContain('needs --since');
  const noBy = await ops('rerun', '--reason', 'x', '--since', startedAt.toISOString(), '--query', authorizationEvents(), '--yes');
  expect(noBy.code).toBe(EXIT.failed);
  expect(noBy.stderr).toContain('--by is required');
});

it('with --yes runs a batch reset with progress and a final count; each event has a new run with the reason, and the entity ignores the copies', async () => {
  const before = await entitySummary(stack.client, 'authorization', story.authorizationId);
  expect(before?.eventIds).toHaveLength(2);
  const run = await ops(
    'rerun',
    '--reason',
    'bulk test after a fix',
    '--by',
    'ana',
    '--since',
    startedAt.toISOString(),
    '--query',
    authorizationEvents(),
    '--yes',
  );
  expect(run.stderr).toMatch(/^started batch job ops-rerun-[0-9a-f-]+ for 2 event workflows\n/);
  expect(run.stdout).toMatch(/^batch job ops-rerun-[0-9a-f-]+: completed, 2 of 2 re-run, 0 failed\n$/);
  expect(run.code).toBe(EXIT.ok);

  for (const event of [story.created, story.updated]) {
    const handle = stack.client.workflow.getHandle(event.event_id);
    const latest = await handle.describe();
    expect(resetReasonOf(await handle.fetchHistory())).toBe('bulk test after a fix (by ana)');
    expect(await stack.client.workflow.getHandle(event.event_id, latest.runId).result()).toMatchObject({
      eventId: event.event_id,
      outcome: 'forwarded',
    });
  }
  const after = await entitySummary(stack.client, 'authorization', story.authorizationId);
  expect([...(after?.eventIds ?? [])].sort()).toEqual([...(before?.eventIds ?? [])].sort());

  // The job is Temporal's: it can be watched again by id.
  const jobId = /ops-rerun-[0-9a-f-]+/.exec(run.stdout)?.[0] ?? '';
  const watched = await ops('rerun', '--reason', 'watch', '--job', jobId);
  expect(watched.stdout).toBe(`batch job ${jobId}: completed, 2 of 2 re-run, 0 failed\n`);
});
