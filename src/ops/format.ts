import type { ParkedEvent } from './parked';
// Text for a terminal. Everything printed comes from the whitelisted summaries (summaries.ts,
// event-record.ts): ids, types, statuses, rule names, amounts and times, never an event's data.
import type { AuditReport } from './audit';
import type { RedecidePlan } from './redecide';
import type { BulkJob, BulkPlan } from './bulk-rerun';
import type { DiscrepancyListing } from './discrepancies';
import type { RerunResult } from './rerun';
import type { ResolveOutcome } from './resolve';
import type { DiscrepancySummary, EntitySummary, Scalar } from './summaries';
import type { Timeline } from './timeline';

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const dash = (value: Scalar | undefined): string => (value === null || value === undefined || value === '' ? '-' : String(value));

export function formatAmount(amount: number | null, currency: string | null): string {
  if (amount === null) return '-';
  return `${amount.toFixed(2)}${currency === null ? '' : ` ${currency}`}`;
}

export function formatDiscrepancy({ rule, amounts }: DiscrepancySummary): string {
  const parts = Object.entries(amounts).map(([name, value]) => `${name} ${value}`);
  return parts.length === 0 ? rule : `${rule} (${parts.join(', ')})`;
}

export function formatDiscrepancies(listing: DiscrepancyListing): string {
  const lines: string[] = [];
  const unread = listing.unavailable.length;
  // "None" only when every listed entity was read: a listing it could not vouch for says so.
  if (listing.open.length === 0)
    lines.push(unread === 0 ? 'No open discrepancies.' : 'No open discrepancies among the entities that could be read.');
  else {
    lines.push(`${listing.open.length} open discrepanc${listing.open.length === 1 ? 'y' : 'ies'}`, '');
    lines.push(
      table(
        ['DISPENSATION', 'STATUS', 'AMOUNT', 'OPENED', 'ESCALATIONS', 'RULES'],
        listing.open.map((item) => [
          item.dispensationId,
          item.status,
          formatAmount(item.totalAmount, item.currencyCode),
          item.openedAt ?? '-',
          String(item.escalations),
          item.discrepancies.map(formatDiscrepancy).join('; ') || '-',
        ]),
      ),
    );
  }
  if (unread > 0)
    lines.push(
      '',
      `INCOMPLETE: ${unread} flagged entit${unread === 1 ? 'y' : 'ies'} could not be read (reasons on stderr); look again once that is fixed.`,
    );
  return lines.join('\n');
}

/** Warnings for stderr: what the listing could not vouch for. */
export function discrepancyWarnings(listing: DiscrepancyListing): string[] {
  return [
    ...listing.unavailable.map((item) => `warning: ${item.reason}`),
    ...(listing.noLongerOpen.length > 0
      ? [
          `note: ${listing.noLongerOpen.length} listed by visibility but no longer open (resolved a moment ago): ${listing.noLongerOpen.join(', ')}`,
        ]
      : []),
  ];
}

export function formatResolveOutcome(result: ResolveOutcome): string {
  const resolution = result.resolution;
  const described =
    resolution === null
      ? ''
      : `${resolution.decision} by ${resolution.by}${resolution.at === null ? '' : ` at ${resolution.at}`}${resolution.note === undefined ? '' : ` (note: ${resolution.note})`}`;
  switch (result.outcome) {
    case 'resolved':
      return `${result.workflowId}: resolved: ${described}`;
    case 'pending':
      return `${result.workflowId}: the entity did not answer in time (no worker?); check with: ops timeline ${result.dispensationId} before resolving again`;
  }
}

function entityLines(state: EntitySummary): string[] {
  const pairs: [string, string][] = [
    ['status', state.status],
    ['flags', state.flags.join(', ') || '-'],
  ];
  for (const [name, value] of Object.entries(state.details))
    pairs.push([name, Array.isArray(value) ? value.join(', ') || '-' : dash(value)]);
  if (state.discrepancies !== undefined && state.discrepancies.length > 0)
    pairs.push(['discrepancies', state.discrepancies.map(formatDiscrepancy).join('; ')]);
  if (state.resolution !== undefined && state.resolution !== null) {
    pairs.push([
      'resolution',
      `${state.resolution.decision} by ${state.resolution.by}${state.resolution.at === null ? '' : ` at ${state.resolution.at}`}`,
    ]);
  }
  pairs.push(['events', String(state.eventIds.length)]);
  const width = Math.max(...pairs.map(([name]) => name.length));
  return pairs.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
}

export function formatTimeline(timeline: Timeline): string {
  const { entity } = timeline;
  const lines = [`${entity.workflowId} (${entity.kind}, ${timeline.entityExecutionStatus ?? 'no entity workflow'})`];
  if (timeline.state !== null) lines.push(...entityLines(timeline.state));
  else if (timeline.stateError !== null) lines.push(`  state unavailable: ${timeline.stateError}`);
  lines.push('');
  if (timeline.events.length === 0) lines.push('No event workflows found for this resource (visibility may lag by a moment).');
  else {
    lines.push(`Events by created_at (${timeline.events.length}):`);
    lines.push(
      table(
        ['CREATED AT', 'EVENT ID', 'TYPE', 'OUTCOME', 'WORKFLOW', 'RUNS', 'RECEIVED AT'],
        timeline.events.map((event) => [
          event.createdAt ?? '-',
          event.eventId,
          event.eventType ?? '-',
          event.outcome ?? '-',
          event.executionStatus,
          String(event.runs),
          event.receivedAt ?? '-',
        ]),
      ),
    );
  }
  if (timeline.appliedWithoutWorkflow.length > 0)
    lines.push('', `Applied by the entity without an event workflow: ${timeline.appliedWithoutWorkflow.join(', ')}`);
  return lines.join('\n');
}

export function formatRerun(result: RerunResult): string {
  return [
    `${result.eventId} (${result.workflowType}) re-run from its first workflow task (event ${result.resetToEventId})`,
    `  previous run  ${result.baseRunId}`,
    `  new run       ${result.newRunId}`,
    `  reason        ${result.reason}`,
  ].join('\n');
}

export function formatBulkPlan(plan: BulkPlan, confirmed: boolean): string {
  if (plan.count === 0) return `No event workflows match.\n  query: ${plan.query}`;
  const lines = [
    `${plan.count} event workflow${plan.count === 1 ? '' : 's'} match${plan.count === 1 ? 'es' : ''}${plan.sample.length < plan.count ? `; the first ${plan.sample.length}:` : ':'}`,
    '',
    table(
      ['EVENT', 'TYPE', 'STARTED', 'STATUS'],
      plan.sample.map((item) => [item.eventId, item.workflowType, item.startTime, item.status]),
    ),
    '',
    `  query: ${plan.query}`,
  ];
  if (!confirmed) lines.push('', 'Dry run: nothing changed. Add --yes --by <operator> to re-run them.');
  return lines.join('\n');
}

export function formatRedecidePlan(plan: RedecidePlan): string {
  if (plan.entities.length === 0) return `No entities had events that match.\n  events: ${plan.query}`;
  const shown = plan.entities.slice(0, 20);
  return [
    `${plan.entities.length} entit${plan.entities.length === 1 ? 'y' : 'ies'} had events that match${shown.length < plan.entities.length ? `; the first ${shown.length}:` : ':'}`,
    ...shown.map((id) => `  ${id}`),
    '',
    `  events: ${plan.query}`,
    '',
    'Dry run: nothing changed. Add --yes --by <operator> to decide them again.',
  ].join('\n');
}

export function formatBulkProgress(job: BulkJob): string {
  return `batch job ${job.jobId}: ${job.state}, ${job.completed} of ${job.total} re-run, ${job.failed} failed`;
}

export function formatParked(parked: readonly ParkedEvent[]): string {
  if (parked.length === 0) return 'No parked events.';
  return table(
    ['event_id', 'type', 'reason', 'since'],
    parked.map((event) => [event.eventId, event.workflowType, event.reason, event.since ?? '-']),
  );
}

export function formatAudit(report: AuditReport): string {
  const lines =
    report.entries.length === 0
      ? [`No operator actions since ${report.since}.`]
      : [
          table(
            ['WHEN', 'WHO', 'ACTION', 'ON', 'WHAT'],
            report.entries.map((entry) => [
              entry.at,
              entry.who,
              entry.action,
              entry.on,
              `${entry.what}${entry.hasNote === true ? ' (with a note)' : ''}`,
            ]),
          ),
        ];
  if (report.codecAuditLog === undefined)
    lines.push('', "Codec decodes not included: no codec audit file (--codec-log, or the codec server's CODEC_SERVER_AUDIT_LOG).");
  if (report.unreadable.length > 0)
    lines.push(
      '',
      `INCOMPLETE: ${report.unreadable.length} histor${report.unreadable.length === 1 ? 'y or audit line' : 'ies or audit lines'} could not be read (reasons on stderr).`,
    );
  return lines.join('\n');
}
