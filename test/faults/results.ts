import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FaultRow } from './verify';

export const RESULTS_DIR = path.resolve(__dirname, '../../docs/faults');

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

const COLUMNS: [string, (row: FaultRow) => string][] = [
  ['fault', (row) => row.fault],
  [
    'events sent',
    (row) => (row.deliveries === row.eventsSent ? String(row.eventsSent) : `${row.eventsSent} (${row.deliveries} deliveries)`),
  ],
  ['acknowledged', (row) => String(row.acknowledged)],
  ['retried', (row) => (row.retriedEvents === 0 ? '0' : `${row.retriedEvents} (${row.retries} retries)`)],
  ['lost', (row) => String(row.lost)],
  ['duplicates processed', (row) => String(row.duplicatesProcessed)],
  ['notifications accepted (twice)', (row) => `${row.notificationsAccepted} (${row.notificationsAcceptedTwice})`],
  ['fault lasted', (row) => seconds(row.faultMs)],
  ['recovery', (row) => seconds(row.recoveryMs)],
  ['caught up', (row) => seconds(row.caughtUpMs)],
];

export function markdownTable(rows: readonly FaultRow[]): string {
  const header = `| ${COLUMNS.map(([name]) => name).join(' | ')} |`;
  const rule = `| ${COLUMNS.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`;
  const body = rows.map((row) => `| ${COLUMNS.map(([, cell]) => cell(row).replace(/\|/g, '\\|')).join(' | ')} |`);
  return [header, rule, ...body].join('\n');
}

/** The same table as plain aligned text, for the end of the jest output. */
export function textTable(rows: readonly FaultRow[]): string {
  const cells = [COLUMNS.map(([name]) => name), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))];
  const widths = COLUMNS.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells
    .map((line) =>
      line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '),
    )
    .join('\n');
}

export interface RunSummary {
  startedAt: string;
  durationMs: number;
  /** Load averages (1 min) when the run started and ended: timings on a shared machine vary with them. */
  machine: { cpus: number; node: string; platform: string; loadAverageAtStart: number; loadAverageAtEnd: number };
  rows: FaultRow[];
}

export function writeResults(rows: readonly FaultRow[], startedAt: number, loadAverageAtStart: number): RunSummary {
  const round = (load: number) => Math.round(load * 100) / 100;
  const summary: RunSummary = {
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadAverageAtStart: round(loadAverageAtStart),
      loadAverageAtEnd: round(os.loadavg()[0] ?? 0),
    },
    rows: [...rows],
  };
  const failed = rows.filter((row) => row.problems.length > 0);
  const markdown = [
    '# Faults survived: last run',
    '',
    `Written by \`npm run test:faults\` (test/faults) on ${summary.startedAt}, ${summary.machine.cpus} CPUs, Node ${summary.machine.node} ` +
      `(load average ${summary.machine.loadAverageAtStart} at the start, ${summary.machine.loadAverageAtEnd} at the end); ` +
      `the whole run took ${seconds(summary.durationMs)}. Each fault ran against its own Temporal dev server (file-backed), ` +
      'worker and receiver processes, stand-in Osigu API and provider endpoint, under a steady stream of signed deliveries ' +
      "with Osigu's retry schedule time-scaled 3600× (retries after 17 ms, 0.1 s, 0.35 s, 0.85 s, 1.85 s, 3.85 s, then every 4 s).",
    '',
    markdownTable(rows),
    '',
    '- **lost**: sent but never acknowledged, or acknowledged and absent from Temporal. **duplicates processed**: extra workflow runs for one `event_id`, plus events an entity applied twice. Both must be 0.',
    '- **notifications accepted (twice)**: distinct `notification_id`s the provider endpoint answered 2xx, and how many of them it answered 2xx more than once (must be 0; refusals during an outage and their retries are expected).',
    '- **recovery**: from the end of the fault (the component back, or the fault switched off) to the acknowledgement of the last event that needed a retry; `—` when no event needed one.',
    '- **caught up**: from the end of the fault until the last event workflow acknowledged before that moment closed and the last refused notification was accepted. Reported, never asserted.',
    '',
    '| fault | notes |',
    '|---|---|',
    ...rows.map((row) => `| ${row.fault} | ${row.notes.replace(/\|/g, '\\|')} |`),
    '',
    failed.length === 0
      ? 'Every check passed.'
      : `**Failed checks** (${failed.length} faults):\n\n${failed.map((row) => `- ${row.fault}: ${row.problems.slice(0, 20).join('; ')}`).join('\n')}`,
    '',
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'last-run.md'), markdown);
  writeFileSync(path.join(RESULTS_DIR, 'last-run.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
