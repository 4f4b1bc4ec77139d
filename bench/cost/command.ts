// `npm run bench -- --cost-only`: Temporal work per event, counted from histories, for any running
// stack (the environment's Temporal, or npm run dev's when nothing is exported, as `npm run ops`
// finds it). With --send N it first delivers the fixture story (all 13 event types) N times with
// fresh ids to a receiver, waits for the follow-up to settle, delivers every event once more as a
// duplicate, and reports what the duplicates added (zero is the goal). Writes JSON with --json.
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { connectOps } from '../../src/ops/connect';
import { EVENT_WORKFLOW_TYPES } from '../../src/ops/resources';
import { signatureHeader } from '../../src/osigu/signature';
import { DEV_WEBHOOK_SECRET } from '../../scripts/dev-keys';
import { defaultFixturesDir, loadFixtures } from '../../simulator/events/fixtures';
import type { Client } from '@temporalio/client';
import { attribute, type CostReport } from './attribute';
import { collect } from './collect';
import { formatCost } from './report';
import { firstTaskWaits, type FirstTaskWaits } from './waits';
import { formatProfile, historyProfile, type HistoryProfile } from './profile';

const ID_FIELDS = [
  'authorization_id',
  'authorization_request_id',
  'authorization_code',
  'dispensation_id',
  'prescription_id',
  'settlement_id',
  'claim_id',
  'code',
];

const say = (text: string): void => void process.stderr.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Options {
  since: string;
  query?: string;
  send?: number;
  url: string;
  secret: string;
  fixturesDir: string;
  json?: string;
  profile?: true;
}

/** The fixture story N times over, each copy with its own resource ids (linked as in the fixtures). */
export function fixtureCopies(fixturesDir: string, copies: number, tag: string): { eventId: string; body: string }[] {
  const templates = loadFixtures({ dir: fixturesDir })
    .map((fixture) => fixture.event as unknown as { event_id: string; created_at: string; data: Record<string, unknown> })
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  const ids = new Set<string>();
  for (const template of templates)
    for (const field of ID_FIELDS) if (typeof template.data[field] === 'string') ids.add(template.data[field]);
  const out: { eventId: string; body: string }[] = [];
  for (let copy = 1; copy <= copies; copy += 1) {
    for (const [index, template] of templates.entries()) {
      let body = JSON.stringify({ ...template, event_id: `evt_cost_${tag}_${copy}_${index}` });
      for (const id of ids) body = body.split(`"${id}"`).join(`"${id}C${tag}${copy}"`);
      out.push({ eventId: `evt_cost_${tag}_${copy}_${index}`, body });
    }
  }
  return out;
}

async function post(url: string, secret: string, body: string): Promise<{ status: number; duplicate: boolean }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-osigu-signature': signatureHeader(body, { secrets: secret, timestamp: Math.floor(Date.now() / 1000) }),
    },
    body,
  });
  const answer = (await response.json().catch(() => ({}))) as { duplicate?: boolean };
  return { status: response.status, duplicate: answer.duplicate === true };
}

export interface SendOptions {
  copies: number;
  url: string;
  secret: string;
  fixturesDir: string;
}

export interface Measured {
  report: CostReport;
  firstTaskWaits: FirstTaskWaits;
  profile: HistoryProfile;
  duplicates?: { deliveries: number; historyEventsAdded: number };
}

/** Delivers the fixture story `copies` times, waits for quiet, then duplicates; counts the work. */
export async function measureFixtureMix(client: Client, { copies, url, secret, fixturesDir }: SendOptions): Promise<Measured> {
  const events = fixtureCopies(fixturesDir, copies, Date.now().toString(36).toUpperCase());
  say(`cost: delivering ${events.length} events to ${url}`);
  for (const [index, event] of events.entries()) {
    const { status } = await post(url, secret, event.body);
    if (status !== 200) throw new Error(`${event.eventId}: the receiver answered ${status}`);
    if ((index + 1) % 26 === 0) say(`cost: ${index + 1}/${events.length} delivered`);
  }
  const eventIds = events.map((event) => event.eventId);
  say('cost: waiting for the follow-up to settle (history totals unchanged for 5 s)');
  let last = -1;
  for (let stable = 0; stable < 5;) {
    await sleep(1_000);
    const total = (await collect(client, eventIds)).totalHistoryEvents;
    stable = total === last ? stable + 1 : 0;
    last = total;
  }
  say('cost: delivering each event again (duplicates)');
  for (const event of events) {
    const answer = await post(url, secret, event.body);
    if (answer.status !== 200 || !answer.duplicate)
      throw new Error(`${event.eventId}: a duplicate was answered ${answer.status} (duplicate ${answer.duplicate})`);
  }
  await sleep(3_000);
  const collected = await collect(client, eventIds);
  return {
    report: attribute(collected.events, collected.entities),
    firstTaskWaits: firstTaskWaits(collected.events),
    profile: historyProfile(collected.events, collected.entities),
    duplicates: { deliveries: events.length, historyEventsAdded: collected.totalHistoryEvents - last },
  };
}

/** The event workflows that completed in the window (and match `query`), as they stand. */
export async function measureRunning(client: Client, since: Date, query?: string): Promise<Measured> {
  const types = [...EVENT_WORKFLOW_TYPES].map((type) => `'${type}'`).join(', ');
  const visibility = `WorkflowType IN (${types}) AND ExecutionStatus = 'Completed' AND StartTime >= '${since.toISOString()}'${query === undefined ? '' : ` AND (${query})`}`;
  const eventIds: string[] = [];
  for await (const execution of client.workflow.list({ query: visibility })) eventIds.push(execution.workflowId);
  say(`cost: reading the histories of ${eventIds.length} event workflows and their entities`);
  const collected = await collect(client, eventIds);
  return {
    report: attribute(collected.events, collected.entities),
    firstTaskWaits: firstTaskWaits(collected.events),
    profile: historyProfile(collected.events, collected.entities),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('bench --cost-only')
    .option('--since <when>', 'event workflows started in the last 30m, 2h, 1d (ignored with --send)', '1h')
    .option('--query <visibility query>', 'narrow the event workflows counted (ignored with --send)')
    .option('--send <copies>', 'deliver the fixture story this many times first (13 events each)', (value) => {
      const copies = Number(value);
      if (!Number.isInteger(copies) || copies < 1 || copies > 100) throw new InvalidArgumentError('1 to 100');
      return copies;
    })
    .option('--url <url>', 'the receiver, for --send', 'http://127.0.0.1:3000/osigu/webhooks')
    .option(
      '--secret <secret>',
      'the receiver’s webhook secret, for --send (default: OSIGU_WEBHOOK_SECRET, else the dev secret)',
      process.env.OSIGU_WEBHOOK_SECRET || DEV_WEBHOOK_SECRET,
    )
    .option('--fixtures-dir <dir>', 'the fixtures, for --send', defaultFixturesDir())
    .option('--json <file>', 'also write the figures as JSON')
    .option('--profile', 'also list the history events per event by type (what the work is made of)')
    .parse([...argv], { from: 'user' });
  const options = program.opts<Options>();
  const ops = await connectOps(process.env, (text) => process.stderr.write(text));
  try {
    let measured: Measured;
    if (options.send !== undefined) {
      measured = await measureFixtureMix(ops.client, {
        copies: options.send,
        url: options.url,
        secret: options.secret,
        fixturesDir: options.fixturesDir,
      });
    } else {
      const window = /^(\d+)([mhd])$/.exec(options.since);
      if (window === null) throw new InvalidArgumentError('--since: 30m, 2h or 1d');
      measured = await measureRunning(
        ops.client,
        new Date(Date.now() - Number(window[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[window[2] as 'm' | 'h' | 'd']),
        options.query,
      );
    }
    process.stdout.write(`${formatCost(measured.report, measured.duplicates, measured.firstTaskWaits)}\n`);
    if (options.profile === true) process.stdout.write(`\n${formatProfile(measured.profile)}\n`);
    if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(measured, null, 2)}\n`);
    return 0;
  } finally {
    await ops.close();
  }
}

export function runCost(argv: readonly string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      say(`cost: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
