// `ops audit`: who did what, when, why and on what, from the records Temporal keeps anyway. An
// operator's decision on a discrepancy is a Workflow Update, whose arguments stay in the entity's
// history; a re-run is a reset, whose reason and identity stay in the event's history; a bulk
// re-run is a batch job Temporal lists. Nothing here keeps a second copy that could disagree. A
// decode (someone reading PHI through the codec server) is not Temporal's to know: the codec
// server appends it to its own audit file (CODEC_SERVER_AUDIT_LOG), read here when given.
// Printed: ids, decisions, operators' names and reasons; never an event's data nor a note's text
// (a note is free text and may hold what it should not: it is counted, not shown).
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { codecAuditRecord } from '../codec-server/audit-log';
import { EVENT_FAMILIES } from '../osigu/families';
import { mapLimit } from './concurrency';
import { entityOfJob, REDECIDE_JOB_PREFIX } from './redecide';
import { EVENT_WORKFLOW_TYPES } from './resources';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface AuditEntry {
  at: string;
  /** An operator's name or id as they gave it, or the identity Temporal recorded. */
  who: string;
  action: 'resolve' | 'rerun' | 'bulk_rerun' | 'redecide' | 'decode' | 'encode';
  /** A workflow id (an entity or an event), a batch job id, or a namespace (codec requests). */
  on: string;
  /** The decision (resolve), the reason (re-runs), or the payload count and answer (codec). */
  what: string;
  hasNote?: boolean;
}

export interface AuditReport {
  since: string;
  entries: AuditEntry[];
  /** Histories (by workflow id) or codec audit lines (by file:line) that could not be read: the report is incomplete. */
  unreadable: { source: string; reason: string }[];
  /** The codec server's audit file read, if any. */
  codecAuditLog?: string;
}

const toIso = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): string =>
  new Date(seconds(time?.seconds) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6)).toISOString();

/** Timestamps' seconds arrive as a Long (or a number, or a string from JSON). */
const seconds = (value: unknown): number =>
  typeof value === 'object' && value !== null && 'toNumber' in value
    ? Number((value as { toNumber: () => number }).toNumber())
    : Number(value ?? 0);

const eventTypes = (types: Iterable<string>): string =>
  [...types]
    .sort()
    .map((type) => `'${type}'`)
    .join(', ');

/** The resolveDiscrepancy Updates accepted in one entity history, decoded with the CLI's keys. */
async function resolutionsIn(client: Client, workflowId: string, events: HistoryEvent[], since: Date): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (const event of events) {
    if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) continue;
    const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (request?.input?.name !== 'resolveDiscrepancy') continue;
    const at = toIso(event.eventTime);
    if (at < since.toISOString()) continue;
    const [resolution] = (await decodeArrayFromPayloads(client.options.loadedDataConverter, request.input.args?.payloads)) as [
      { decision?: unknown; by?: unknown; note?: unknown } | undefined,
    ];
    entries.push({
      at,
      who:
        typeof resolution?.by === 'string'
          ? resolution.by
          : (event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.identity ?? 'unknown'),
      action: 'resolve',
      on: workflowId,
      what: typeof resolution?.decision === 'string' ? resolution.decision : 'unknown',
      hasNote: typeof resolution?.note === 'string' && resolution.note !== '',
    });
  }
  return entries;
}

/** The resets that made runs of one event workflow: the reason and who asked (identity). */
function resetsIn(workflowId: string, events: HistoryEvent[], since: Date): AuditEntry[] {
  return events
    .filter(
      (event) =>
        event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
        event.workflowTaskFailedEventAttributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
    )
    .map((event) => {
      const what = event.workflowTaskFailedEventAttributes?.failure?.message ?? '';
      // `ops rerun` and `ops retry` end the reason with "(by <operator>)"; the event's own identity
      // is the server's (history-service), so it is only the fallback.
      const by = /\(by ([^()]+)\)$/.exec(what)?.[1];
      return {
        at: toIso(event.eventTime),
        who: by ?? (event.workflowTaskFailedEventAttributes?.identity || 'unknown'),
        action: 'rerun' as const,
        on: workflowId,
        what,
      };
    })
    .filter((entry) => entry.at >= since.toISOString());
}

/** The codec server's decode and encode requests since `since`, from its audit file (one JSON line each). */
export async function codecRequestsIn(
  file: string,
  since: Date,
): Promise<{ entries: AuditEntry[]; unreadable: AuditReport['unreadable'] }> {
  const entries: AuditEntry[] = [];
  const unreadable: AuditReport['unreadable'] = [];
  if (!existsSync(file)) return { entries, unreadable: [{ source: file, reason: 'no such file' }] };
  const sinceIso = since.toISOString();
  let number = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    number += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const result = codecAuditRecord.safeParse(parsed);
    if (!result.success) {
      unreadable.push({ source: `${file}:${number}`, reason: 'not a codec audit record' });
      continue;
    }
    const record = result.data;
    if (record.at < sinceIso) continue;
    const payloads = record.payloads === undefined ? '' : `${record.payloads} payload${record.payloads === 1 ? '' : 's'} `;
    entries.push({
      at: record.at,
      who: record.who,
      action: record.operation,
      on: record.namespace ?? 'unknown namespace',
      what: `${payloads}${record.status < 400 ? 'served' : `refused ${record.status} ${record.code ?? ''}`.trim()} (${record.auth})`,
    });
  }
  return { entries, unreadable };
}

export interface AuditOptions {
  concurrency?: number;
  /** The codec server's CODEC_SERVER_AUDIT_LOG, when this machine can read it. */
  codecAuditLog?: string | undefined;
}

export async function auditTrail(client: Client, since: Date, { concurrency = 8, codecAuditLog }: AuditOptions = {}): Promise<AuditReport> {
  const sinceIso = since.toISOString();
  const targets: { workflowId: string; runId: string; kind: 'entity' | 'event' }[] = [];
  const seen = new Set<string>();
  const collect = async (query: string, kind: 'entity' | 'event'): Promise<void> => {
    for await (const execution of client.workflow.list({ query })) {
      const key = `${execution.workflowId}/${execution.runId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ workflowId: execution.workflowId, runId: execution.runId, kind });
    }
  };
  // Entities whose flags say a person decided (kept across continue-as-new), still running or
  // closed since; event workflows re-run (the workflow flags its own re-runs), started since.
  const dispensations = `WorkflowType = '${EVENT_FAMILIES.dispensing.entityWorkflowType}'`;
  await collect(
    `${dispensations} AND OsiguFlags IN ('discrepancy_resolved', 'discrepancy_reopened') AND (ExecutionStatus = 'Running' OR CloseTime >= '${sinceIso}')`,
    'entity',
  );
  await collect(`WorkflowType IN (${eventTypes(EVENT_WORKFLOW_TYPES)}) AND OsiguFlags = 'rerun' AND StartTime >= '${sinceIso}'`, 'event');

  const unreadable: AuditReport['unreadable'] = [];
  const found = await mapLimit(targets, concurrency, async ({ workflowId, runId, kind }) => {
    try {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      return kind === 'entity' ? await resolutionsIn(client, workflowId, events, since) : resetsIn(workflowId, events, since);
    } catch (error) {
      unreadable.push({ source: workflowId, reason: error instanceof Error ? error.message : String(error) });
      return [];
    }
  });

  const entries = found.flat();
  // Bulk re-runs: Temporal's own list of batch jobs, with the reason (and "by …") they were given.
  const jobs = await client.workflowService.listBatchOperations({ namespace: client.options.namespace, pageSize: 1000 });
  for (const job of jobs.operationInfo ?? []) {
    const at = toIso(job.startTime);
    const jobId = job.jobId ?? '';
    const action = jobId.startsWith('ops-rerun-') ? 'bulk_rerun' : jobId.startsWith(REDECIDE_JOB_PREFIX) ? 'redecide' : undefined;
    if (at < sinceIso || action === undefined) continue;
    const described = await client.workflowService.describeBatchOperation({ namespace: client.options.namespace, jobId });
    entries.push({ at, who: described.identity || 'unknown', action, on: entityOfJob(jobId) ?? jobId, what: described.reason ?? '' });
  }
  // One Update is in every later run's history only once, but a run listed twice must not double it.
  const unique = [...new Map(entries.map((entry) => [`${entry.action}|${entry.on}|${entry.at}`, entry])).values()];
  // Codec requests are one line each already (two in one millisecond are two reads).
  if (codecAuditLog !== undefined) {
    const codec = await codecRequestsIn(codecAuditLog, since);
    unique.push(...codec.entries);
    unreadable.push(...codec.unreadable);
  }
  unique.sort((a, b) => a.at.localeCompare(b.at) || a.on.localeCompare(b.on));
  return { since: sinceIso, entries: unique, unreadable, ...(codecAuditLog === undefined ? {} : { codecAuditLog }) };
}
