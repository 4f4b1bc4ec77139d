// `ops redecide`: an entity decides again on everything it received, with the code current now
// (after a bad deploy mis-decided it). The entity's run is reset to its first workflow task;
// Temporal gives the new run the events (the hand-off's Updates) the old one had, and the entity
// folds them again. Here the code is the same, so the verdict must come out the same, from a new
// run that received every event again; a re-run of the *event* only reaches an entity that
// ignores the copy.
import { EXIT } from '../../src/ops/cli';
import type { AuditReport } from '../../src/ops/audit';
import { resetReasonOf } from '../../src/ops/rerun';
import { useStack } from '../support/stack';
import { entitySummary, eventually, playDiscrepancyStory, type Story } from './story';
import { opsRunner } from './run-ops';

const stack = useStack({ worker: true, receiver: true, client: true });
let story: Story;

beforeAll(async () => {
  story = await playDiscrepancyStory(`${stack.receiver.origin}/osigu/webhooks`, stack.client);
}, 120_000);

const ops = opsRunner(() => ({ TEMPORAL_ADDRESS: stack.temporal.address }));

it('resets the entity: a new run receives every event again and decides again, and the audit trail names it', async () => {
  const since = new Date(Date.now() - 120_000).toISOString();
  const workflowId = `dispensation:${story.dispensationId}`;
  const before = await entitySummary(stack.client, 'dispensation', story.dispensationId);
  expect(before?.flags).toContain('discrepancy');
  const oldRun = (await stack.client.workflow.getHandle(workflowId).describe()).runId;

  // A window lists the entities whose events arrived in it, and changes nothing without --yes.
  const dry = await ops('redecide', '--reason', 'fix #123', '--since', since, '--query', "OsiguEventFamily = 'dispensing'");
  expect(dry.code).toBe(EXIT.ok);
  expect(dry.stdout).toContain(`  ${workflowId}\n`);
  expect(dry.stdout).toContain('Dry run: nothing changed.');
  expect((await stack.client.workflow.getHandle(workflowId).describe()).runId).toBe(oldRun);

  const run = await ops('redecide', story.dispensationId, '--reason', 'fix #123', '--by', 'ana');
  expect(run.stderr).toMatch(new RegExp(`^started batch job ops-redecide-${workflowId}-[0-9a-f-]{36} for 1 entity\\n`));
  expect(run.stdout).toMatch(/: completed, 1 of 1 re-run, 0 failed\n$/);
  expect(run.code).toBe(EXIT.ok);

  const handle = stack.client.workflow.getHandle(workflowId);
  const newRun = (await handle.describe()).runId;
  expect(newRun).not.toBe(oldRun);
  expect(resetReasonOf(await handle.fetchHistory())).toBe('fix #123 (by ana)');
  const after = await eventually('the new run to decide again on every event', async () => {
    const state = await entitySummary(stack.client, 'dispensation', story.dispensationId);
    return state !== undefined && state.eventIds.length === before?.eventIds.length && state.flags.includes('discrepancy')
      ? state
      : undefined;
  });
  expect(after.eventIds).toEqual(before?.eventIds);
  expect(after.discrepancies).toEqual(before?.discrepancies);
  expect(after.status).toBe(before?.status);

  const audit = await eventually('the audit trail to list the re-decision', async () => {
    const report = JSON.parse((await ops('audit', '--since', '1h', '--json')).stdout) as AuditReport;
    return report.entries.find((entry) => entry.action === 'redecide');
  });
  expect(audit).toMatchObject({ who: 'ops:ana', on: workflowId, what: 'fix #123 (by ana)' });
});

it('refuses an id it cannot map, an entity that does not exist, and --yes without --by', async () => {
  expect((await ops('redecide', 'nope', '--reason', 'x')).code).toBe(EXIT.failed);
  const missing = await ops('redecide', 'dsp_NEVER_SEEN', '--reason', 'x');
  expect(missing.code).toBe(EXIT.failed);
  expect(missing.stderr).toContain('dispensation:dsp_NEVER_SEEN: no such entity');
  const noBy = await ops('redecide', '--reason', 'x', '--since', '1h', '--yes');
  expect(noBy.code).toBe(EXIT.failed);
  expect(noBy.stderr).toContain('--by is required with --yes');
});
