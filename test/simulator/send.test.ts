import path from 'node:path';
import { runChild } from '../../scripts/child-process';
import { loadFixture } from '../../simulator/events/fixtures';
import type { RunReport } from '../../simulator/delivery/report';
import { TEST_SECRET } from '../support/delivery';
import { answerWith, eventIdOf, startRecordingReceiver, type RecordingReceiver } from './delivery/recording-receiver';

const ROOT = path.resolve(__dirname, '../..');

// What the lead's simulator/cli.ts does: a program with the send command registered.
const ENTRY = `
const { Command } = require('commander');
const { registerSendCommand } = require('./simulator/commands/send.ts');
const program = new Command('osigu');
registerSendCommand(program);
program.parseAsync(process.argv.slice(1), { from: 'user' });
`;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function osigu(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { code, stdout, stderr } = await runChild({
    command: process.execPath,
    args: ['--require', 'tsx/cjs', '-e', ENTRY, '--', ...args],
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...(process.env.OSIGU_FIXTURES_DIR && { OSIGU_FIXTURES_DIR: process.env.OSIGU_FIXTURES_DIR }), ...env },
  });
  return { code, stdout, stderr };
}

type JsonReport = RunReport & { records: { eventId: string; attempts: unknown[] }[] };

let receiver: RecordingReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('osigu send', () => {
  it('delivers fixtures in order, untouched, signed with the secret from the environment, and reports in JSON', async () => {
    receiver = await startRecordingReceiver(answerWith(200));
    const run = await osigu(
      ['send', '--url', receiver.url, '--fixture', 'authorization.created', '--fixture', 'authorization.updated', '--json', '--quiet'],
      {
        OSIGU_WEBHOOK_SECRET: TEST_SECRET,
      },
    );

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report).toMatchObject({ events: 2, deliveries: 2, delivered: 2, abandoned: [], retried: { events: 0, retries: 0 } });
    expect(receiver.requests.map((request) => request.body)).toEqual([
      loadFixture('authorization.created').bytes,
      loadFixture('authorization.updated').bytes,
    ]);
    expect(run.stdout + run.stderr).not.toContain(TEST_SECRET);
  });

  it('exits 1 and lists the events it abandoned at the horizon', async () => {
    receiver = await startRecordingReceiver(answerWith(503));
    const run = await osigu([
      'send',
      '--url',
      receiver.url,
      '--secret',
      TEST_SECRET,
      '--generate',
      '3',
      '--seed',
      '7',
      '--time-scale',
      '1000000',
      '--json',
    ]);

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report).toMatchObject({
      seed: 7,
      events: 3,
      delivered: 0,
      retried: { events: 3, retries: 3 * 23 },
      failed: { byStatus: { '503': 72 } },
    });
    expect(report.abandoned.sort()).toEqual([...new Set(receiver.requests.map(eventIdOf))].sort());
    expect(report.records.map((record) => record.attempts.length)).toEqual([24, 24, 24]);
    // Not quiet: it said what it was doing, on stderr, without the secret.
    expect(run.stderr).toContain('osigu send: 3 events to');
    expect(run.stderr).not.toContain(TEST_SECRET);
  });

  it('runs a scenario with duplicates and fresh ids, and prints the table', async () => {
    receiver = await startRecordingReceiver(answerWith(200));
    const run = await osigu(['send', '--url', receiver.url, '--secret', TEST_SECRET, '--scenario', 'duplicates', '--fresh-ids', '--quiet']);

    expect(run.code).toBe(0);
    // 3 + 5 + 2 × (a dispensing story of 2) + 1 + 1
    expect(receiver.requests).toHaveLength(14);
    // authorization.created, dispensing.started, the story's two, prescription.issued
    expect(run.stdout).toMatch(/events\s+5 {2}\(14 deliveries/);
    expect(run.stdout).toMatch(/delivered\s+5\n/);
    expect(run.stdout).toMatch(/abandoned\s+0\n/);
    expect(receiver.requests.map(eventIdOf)).not.toContain(loadFixture('authorization.created').event.event_id);
  });

  it('refuses a usage error with exit status 2 and a reason', async () => {
    const noSource = await osigu(['send', '--secret', TEST_SECRET]);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain('give exactly one of --fixture, --file, --generate, --stories, --scenario');

    const noSecret = await osigu(['send', '--fixture', 'authorization.created']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('a signing secret is required');

    const unknown = await osigu(['send', '--secret', TEST_SECRET, '--fixture', 'authorization.approved']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('known types: authorization.created');
    expect(unknown.stderr).not.toContain(TEST_SECRET);
  });
});
