// The cost report as a person reads it: per event type and for the mix, work per delivered event.
import type { CostReport } from './attribute';
import type { WorkCounts } from './count';
import type { FirstTaskWaits } from './waits';

const COLUMNS: [keyof WorkCounts, string][] = [
  ['historyEvents', 'HISTORY'],
  ['workflowTasks', 'WF TASKS'],
  ['activityTasks', 'ACT TASKS'],
  ['localActivities', 'LOCAL ACT'],
  ['timers', 'TIMERS'],
  ['searchAttributeWrites', 'SA WRITES'],
  ['actions', 'ACTIONS'],
];

const cell = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(2));

export function formatCost(
  report: CostReport,
  duplicates?: { deliveries: number; historyEventsAdded: number },
  waits?: FirstTaskWaits,
): string {
  const rows: string[][] = [];
  for (const [type, row] of Object.entries(report.perType))
    rows.push([type, String(row.events), ...COLUMNS.map(([key]) => cell(row.total[key]))]);
  rows.push(['(mix) event workflows', String(report.mix.events), ...COLUMNS.map(([key]) => cell(report.mix.eventWorkflow[key]))]);
  rows.push(['(mix) entities', String(report.mix.events), ...COLUMNS.map(([key]) => cell(report.mix.entity[key]))]);
  rows.push(['(mix) total', String(report.mix.events), ...COLUMNS.map(([key]) => cell(report.mix.total[key]))]);
  const header = ['PER EVENT', 'EVENTS', ...COLUMNS.map(([, title]) => title)];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((value, column) => (column === 0 ? value.padEnd(widths[0] ?? 0) : value.padStart(widths[column] ?? 0))).join('  ');
  const lines = [line(header), ...rows.map(line)];
  const stray = report.unattributedEntityWork.historyEvents;
  if (stray > 0)
    lines.push('', `${stray} entity history events before any measured hand-off (other events of the same resources) are left out.`);
  if (waits !== undefined && waits.count > 0)
    lines.push(
      '',
      `event workflows' first workflow task waited for a worker (what eager workflow start would save): ` +
        `p50 ${waits.p50} ms, p90 ${waits.p90} ms, p99 ${waits.p99} ms, max ${waits.max} ms (${waits.count} events)`,
    );
  if (duplicates !== undefined)
    lines.push('', `duplicate deliveries: ${duplicates.deliveries}, history events they added: ${duplicates.historyEventsAdded}`);
  return lines.join('\n');
}
