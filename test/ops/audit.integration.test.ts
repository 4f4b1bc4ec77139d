// `ops audit` end to end: an operator resolves a discrepancy (with a note), re-runs one event,
// bulk re-runs two, and someone decodes payloads through the codec server (once with the token,
// once without): the trail lists each action with who, when, what and on what, from Temporal's
// own records and the codec server's audit file, and never prints the note or any event data.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import type { DevServer } from '../../scripts/dev-server';
import { loadCodecServerConfig } from '../../src/codec-server/config';
import { startCodecServer, type CodecServer } from '../../src/codec-server/server';
import type { Receiver } from '../../src/http/server';
import type { AuditEntry, AuditReport } from '../../src/ops/audit';
import { EXIT } from '../../src/ops/cli';
import { startTemporal, startTestReceiver, startWorker, temporalClient, type RunningWorker } from '../support/stack';
import { playDiscrepancyStory, type Story } from './story';
import { opsRunner } from './run-ops';

const TOKEN = randomBytes(32).toString('base64url');
const KEYS = `audit-test:${randomBytes(32).toString('base64')}`;
const NOTE = 'María López called: the pharmacy confirmed';

let temporal: DevServer;
let worker: RunningWorker;
let receiver: Receiver;
let codecServer: CodecServer;
let client: Client;
let closeClient: () => Promise<void>;
let story: Story;
let auditFile: string;
let startedAt: Date;
/** What `ops audit` printed (resolve echoes the operator's own note back to them, on purpose). */
const printed: string[] = [];

beforeAll(async () => {
  startedAt = new Date(Date.now() - 1_000);
  auditFile = path.join(mkdtempSync(path.join(tmpdir(), 'osigu-audit-')), 'codec-audit.log');
  codecServer = await startCodecServer(
    loadCodecServerConfig({
      CODEC_SERVER_TOKEN: TOKEN,
      PAYLOAD_ENCRYPTION_KEYS: KEYS,
      CODEC_SERVER_PORT: '0',
      CODEC_SERVER_AUDIT_LOG: auditFile,
    }),
    { logger: pino({ level: 'silent' }) },
  );
  temporal = await startTemporal();
  worker = await startWorker(temporal.address, { PAYLOAD_ENCRYPTION_KEYS: KEYS });
  receiver = await startTestReceiver(temporal.address, { PAYLOAD_ENCRYPTION_KEYS: KEYS });
  ({ client, close: closeClient } = await temporalClient(temporal.address, { PAYLOAD_ENCRYPTION_KEYS: KEYS }));
  story = await playDiscrepancyStory(`${receiver.origin}/osigu/webhooks`, client);
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await worker?.stop();
  await closeClient?.();
  await temporal?.stop();
  await codecServer?.close();
});

const ops = opsRunner(
  () => ({ TEMPORAL_ADDRESS: temporal.address, PAYLOAD_ENCRYPTION_KEYS: KEYS }),
  (argv, run) => {
    if (argv[0] === 'audit') printed.push(run.stdout, run.stderr);
  },
);

/** One decode of the completed event's own (encrypted) input, as the CLI or a script would send it. */
async function decode(authorization: string | undefined): Promise<number> {
  const history = await client.workflow.getHandle(story.completed.event_id).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(payload?.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
        ),
        data: Buffer.from(payload?.data ?? new Uint8Array()).toString('base64'),
      },
    ],
  };
  const response = await fetch(`${codecServer.origin}/codec/decode`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Namespace': 'default',
      ...(authorization === undefined ? {} : { Authorization: authorization }),
    },
    body: JSON.stringify(body),
  });
  return response.status;
}

const find = (report: AuditReport, predicate: (entry: AuditEntry) => boolean): AuditEntry[] => report.entries.filter(predicate);

it('lists a resolution, a re-run, a bulk re-run and the codec decodes, each with who, when and what', async () => {
  const resolved = await ops('resolve', story.dispensationId, '--decision', 'accept', '--by', 'ana', '--note', NOTE);
  expect(resolved.code).toBe(EXIT.ok);
  const rerun = await ops('rerun', story.completed.event_id, '--reason', 'audit test: one event', '--by', 'carla');
  expect(rerun.code).toBe(EXIT.ok);
  const bulk = await ops(
    'rerun',
    '--reason',
    'audit test: the authorization',
    '--by',
    'bob',
    '--since',
    startedAt.toISOString(),
    '--query',
    `OsiguResourceId = '${story.authorizationId}'`,
    '--yes',
  );
  expect(bulk.code).toBe(EXIT.ok);
  const jobId = /ops-rerun-[0-9a-f-]+/.exec(bulk.stdout)?.[0];
  expect(await decode(`Bearer ${TOKEN}`)).toBe(200);
  expect(await decode(undefined)).toBe(401);

  // Visibility lags a little behind: the re-run event and the resolved entity must be listed.
  let report: AuditReport | undefined;
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const run = await ops('audit', '--since', '1h', '--codec-log', auditFile, '--json');
    expect(run.code).toBe(EXIT.ok);
    report = JSON.parse(run.stdout) as AuditReport;
    if (report.entries.some((entry) => entry.action === 'rerun') && report.entries.some((entry) => entry.action === 'resolve')) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (report === undefined) throw new Error('no audit report');

  expect(find(report, (entry) => entry.action === 'resolve')).toEqual([
    expect.objectContaining({ who: 'ana', on: `dispensation:${story.dispensationId}`, what: 'accept', hasNote: true }),
  ]);
  expect(find(report, (entry) => entry.action === 'rerun' && entry.on === story.completed.event_id)).toEqual([
    expect.objectContaining({ who: 'carla', what: 'audit test: one event (by carla)' }),
  ]);
  // The two authorization events' resets are in their histories, and the job in Temporal's list.
  expect(
    find(report, (entry) => entry.action === 'rerun' && entry.what === 'audit test: the authorization (by bob)')
      .map((e) => e.on)
      .sort(),
  ).toEqual([story.created.event_id, story.updated.event_id].sort());
  expect(find(report, (entry) => entry.action === 'bulk_rerun')).toEqual([
    expect.objectContaining({ who: 'ops:bob', on: jobId, what: 'audit test: the authorization (by bob)' }),
  ]);
  expect(find(report, (entry) => entry.action === 'decode')).toEqual([
    expect.objectContaining({ who: 'bearer', on: 'default', what: '1 payload served (bearer)' }),
    expect.objectContaining({ who: 'unauthenticated', on: 'default', what: 'refused 401 unauthorized (none)' }),
  ]);
  expect(report.unreadable).toEqual([]);
  const times = report.entries.map((entry) => entry.at);
  expect(times).toEqual([...times].sort());
  for (const at of times) expect(at >= startedAt.toISOString()).toBe(true);

  const text = await ops('audit', '--since', '1h', '--codec-log', auditFile);
  expect(text.stdout.split('\n')[0]?.split(/\s{2,}/)).toEqual(['WHEN', 'WHO', 'ACTION', 'ON', 'WHAT']);
  expect(text.stdout).toMatch(new RegExp(`ana\\s+resolve\\s+dispensation:${story.dispensationId}\\s+accept \\(with a note\\)`));
});

it('says when codec decodes are not included, and exits 2 naming an audit line it cannot read', async () => {
  const without = await ops('audit', '--since', '1h');
  expect(without.code).toBe(EXIT.ok);
  expect(without.stdout).toContain('Codec decodes not included');

  const lines = readFileSync(auditFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '').length;
  appendFileSync(auditFile, 'not json\n');
  const broken = await ops('audit', '--since', '1h', '--codec-log', auditFile);
  expect(broken.code).toBe(EXIT.incomplete);
  expect(broken.stderr).toContain(`warning: ${auditFile}:${lines + 1}: not a codec audit record`);
  expect(broken.stdout).toContain('INCOMPLETE: 1 history or audit line could not be read');

  const missing = await ops('audit', '--since', '1h', '--codec-log', `${auditFile}.gone`);
  expect(missing.code).toBe(EXIT.incomplete);
});

it('ops audit printed no note, no PHI and no payload, and the audit file holds none either', () => {
  const all = `${printed.join('')}${readFileSync(auditFile, 'utf8')}`;
  for (const forbidden of [NOTE, 'María', 'López', 'MED-042', TOKEN]) expect(all).not.toContain(forbidden);
});
