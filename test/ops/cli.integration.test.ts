// The `ops` CLI end to end: in-process through commander (runCli, with exitOverride), and once as
// its own process, against a real Temporal dev server, a real worker and the real receiver.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { useStack } from '../support/stack';
import { deliverAndSettle, eventually, playDiscrepancyStory, storyEvent, type Story } from './story';
import { opsRunner } from './run-ops';

const stack = useStack({ worker: true, receiver: true, client: true });
let url: string;
let story: Story;
/** Everything the CLI printed in this file, checked for PHI at the end. */
const printed: string[] = [];

beforeAll(async () => {
  url = `${stack.receiver.origin}/osigu/webhooks`;
  story = await playDiscrepancyStory(url, stack.client);
}, 120_000);

const ops = opsRunner(
  () => ({ TEMPORAL_ADDRESS: stack.temporal.address }),
  (_argv, run) => printed.push(run.stdout, run.stderr),
);

describe('ops discrepancies', () => {
  it('prints a table of open discrepancies, and --json the same data', async () => {
    const { stdout } = await eventually('the listing to show the discrepancy', async () => {
      const run = await ops('discrepancies');
      return run.code === 0 && run.stdout.includes(story.dispensationId) ? run : undefined;
    });
    const header = stdout.split('\n').find((line) => line.startsWith('DISPENSATION'));
    expect(header?.split(/\s{2,}/)).toEqual(['DISPENSATION', 'STATUS', 'AMOUNT', 'OPENED', 'ESCALATIONS', 'RULES']);
    const row = stdout.split('\n').find((line) => line.startsWith(story.dispensationId));
    expect(row).toMatch(
      new RegExp(
        `^${story.dispensationId}\\s+COMPLETED\\s+375\\.00 GTQ\\s+\\S+\\s+0\\s+quantity_exceeds_authorized \\(dispensed 30, authorized 20\\)$`,
      ),
    );

    const asJson = await ops('discrepancies', '--json');
    expect(asJson.code).toBe(0);
    const parsed = JSON.parse(asJson.stdout) as { open: { dispensationId: string; rules: string[] }[]; unavailable: unknown[] };
    expect(parsed.open.find((item) => item.dispensationId === story.dispensationId)?.rules).toEqual(['quantity_exceeds_authorized']);
    expect(parsed.unavailable).toEqual([]);
  });
});

describe('ops resolve', () => {
  it('resolves, then the entity refuses a second resolve: exit code 1 and nothing recorded', async () => {
    const first = await ops(
      'resolve',
      story.dispensationId,
      '--decision',
      'reject',
      '--by',
      'ops-cli-test',
      '--note',
      'dispute the extra 10',
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^dispensation:${story.dispensationId}: resolved: reject by ops-cli-test at \\S+ \\(note: dispute the extra 10\\)\\n$`),
    );

    const second = await ops('resolve', story.dispensationId, '--decision', 'accept', '--by', 'ops-cli-test');
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(
      new RegExp(
        `^ops: dispensation:${story.dispensationId}: no open discrepancy \\(status COMPLETED; already resolved: reject by ops-cli-test at \\S+\\); nothing recorded\\n$`,
      ),
    );
  });

  it('rejects bad usage before connecting, with commander’s exit code', async () => {
    const missing = await ops('resolve', story.dispensationId, '--by', 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--decision <decision>' not specified");
    const badDecision = await ops('resolve', story.dispensationId, '--decision', 'Accept it', '--by', 'x');
    expect(badDecision.code).toBe(1);
    expect(badDecision.stderr).toContain('one of accept, reject');
  });

  it('is refused with exit code 1 when run as its own process (node --require tsx/cjs src/ops/cli.ts)', async () => {
    const root = path.resolve(__dirname, '../..');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--require', 'tsx/cjs', 'src/ops/cli.ts', 'resolve', story.dispensationId, '--decision', 'accept', '--by', 'ops-cli-test'],
        { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: stack.temporal.address }, timeout: 60_000 },
        (error, out, err) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout: out, stderr: err }),
      );
    });
    printed.push(stdout, stderr);
    expect(stderr).toContain(`ops: dispensation:${story.dispensationId}: no open discrepancy`);
    expect(code).toBe(1);
  });
});

describe('ops timeline', () => {
  it("prints the entity's state and its events in created_at order", async () => {
    const { code, stdout } = await ops('timeline', story.authorizationId);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`authorization:${story.authorizationId} (authorization, RUNNING)`);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}status\s+CREATED$/));
    expect(stdout).toMatch(new RegExp(`\\n {2}dispensations\\s+${story.dispensationId}\\n`));
    const createdLine = lines.findIndex((line) => line.includes(story.created.event_id));
    const updatedLine = lines.findIndex((line) => line.includes(story.updated.event_id));
    expect(createdLine).toBeGreaterThan(0);
    expect(updatedLine).toBeGreaterThan(createdLine);
    expect(lines[createdLine]).toMatch(
      new RegExp(
        `^${story.created.created_at}\\s+${story.created.event_id}\\s+authorization.created\\s+forwarded\\s+COMPLETED\\s+1\\s+\\S+$`,
      ),
    );
  });

  it('prints JSON with --json, and a prescription without its patient', async () => {
    const prescriptionId = `rx_OPSCLI${Date.now().toString(36).toUpperCase()}`;
    const issued = storyEvent('prescription.issued', { prescription_id: prescriptionId });
    await deliverAndSettle(url, stack.client, issued);
    const timeline = await eventually('the prescription entity', async () => {
      const run = await ops('timeline', prescriptionId, '--json');
      const parsed = JSON.parse(run.stdout) as { state: { status: string } | null; events: { eventId: string; eventType: string }[] };
      return parsed.state?.status === 'ISSUED' ? parsed : undefined;
    });
    expect(timeline.events.map((event) => [event.eventId, event.eventType])).toEqual([[issued.event_id, 'prescription.issued']]);
    expect((await ops('timeline', prescriptionId)).stdout).toMatch(/\n {2}prescriptionCode\s+RX-2026-9182\n/);
  });

  it('refuses an id it cannot map, with exit code 1', async () => {
    const { code, stderr } = await ops('timeline', 'xyz_123');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ops: unknown resource id "xyz_123"; expected one of auth_…, areq_…, dsp_…, rx_…, stl_…, authorization:<id>/);
  });
});

describe('ops rerun', () => {
  it('prints the new run id', async () => {
    const before = (await stack.client.workflow.getHandle(story.updated.event_id).describe()).runId;
    const { code, stdout } = await ops('rerun', story.updated.event_id, '--reason', 'ops cli test');
    expect(code).toBe(0);
    const newRun = /new run\s+(\S+)/.exec(stdout)?.[1];
    expect(newRun).toBeDefined();
    expect(newRun).not.toBe(before);
    expect((await stack.client.workflow.getHandle(story.updated.event_id).describe()).runId).toBe(newRun);
    expect(stdout).toContain(`previous run  ${before}`);
    expect(stdout).toContain('reason        ops cli test');
  });

  it('requires --reason', async () => {
    const { code, stderr } = await ops('rerun', story.updated.event_id);
    expect(code).toBe(1);
    expect(stderr).toContain("required option '--reason <text>' not specified");
  });
});

describe('everything ops printed', () => {
  it('carries no PHI and no raw event data', () => {
    const all = printed.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const forbidden of [
      'bnf_',
      'beneficiary',
      'López',
      'first_name',
      'pat_01',
      'doc_01',
      'MP-12345',
      'diagnos',
      'posology',
      '1c/8h',
      'MED-042',
      'sponsor_notes',
      'Quantity reduced',
      'pharmacy-x',
      'branch_',
      'SPX-2026',
    ]) {
      expect(all).not.toContain(forbidden);
    }
  });
});

describe('ops --help', () => {
  it('answers 0 with usage for the program and each command', async () => {
    for (const argv of [
      ['--help'],
      ['discrepancies', '--help'],
      ['resolve', '--help'],
      ['timeline', '--help'],
      ['rerun', '--help'],
      ['help', 'rerun'],
    ]) {
      const { code, stdout } = await ops(...argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: ops /);
    }
  });
});
