import type { Client } from '@temporalio/client';
import type { AppliedEvent } from '../../src/domain/applied-event';
import { foldAuthorization } from '../../src/domain/authorization';
import { foldDispensation } from '../../src/domain/dispensation';
import { foldPrescription } from '../../src/domain/prescription';
import { foldSettlement } from '../../src/domain/settlement';
import { EVENT_FAMILIES, entityWorkflowId, type FamilyName } from '../../src/osigu/families';
import { routeEvent } from '../../src/temporal/routing';
import { summarize } from '../../simulator/delivery/report';
import type { RunResult } from '../../simulator/delivery/run';
import type { SimulatedEvent } from '../../simulator/events/simulated-event';
import type { PassedAttempt } from './front-door';
import type { ProviderRecorder } from './provider-recorder';

/** One line of the results table. Times are ms; `null` where the fault gave nothing to measure. */
export interface FaultRow {
  fault: string;
  /** Distinct events, and what it took to deliver them (copies and retries included). */
  eventsSent: number;
  deliveries: number;
  attempts: number;
  acknowledged: number;
  retriedEvents: number;
  retries: number;
  /** Sent but not acknowledged, or acknowledged and not in Temporal. Must be 0. */
  lost: number;
  /** Extra event workflow runs plus events an entity applied twice. Must be 0. */
  duplicatesProcessed: number;
  notificationsAccepted: number;
  /** Notification ids the provider accepted (2xx) more than once. Must be 0. */
  notificationsAcceptedTwice: number;
  /** Provider answers that were refusals (the fault), which Temporal retried. */
  notificationsRefused: number;
  /** Length of the fault, from injection to the component being back. */
  faultMs: number | null;
  /** From the fault's end to the acknowledgement of the last event that needed a retry. */
  recoveryMs: number | null;
  /**
   * From the fault's end until everything it held up was processed: the last event workflow, of
   * those acknowledged before the end, to close, and the last refused notification to be accepted.
   */
  caughtUpMs: number | null;
  /** Failed attempts by status or error, and what the fault injected. */
  notes: string;
  /** Every check that failed, in words; empty when the row passed. */
  problems: string[];
  /** Of the whole scenario, stack start to verified. */
  elapsedMs: number;
}

export interface FaultWindow {
  /** ms since the epoch */
  startedAt: number;
  endedAt: number;
}

interface Execution {
  type: string;
  status: string;
  closeTime: number | undefined;
}

/** Every run of every workflow in the namespace (each scenario has a Temporal of its own). */
async function listExecutions(client: Client): Promise<Map<string, Execution[]>> {
  const byId = new Map<string, Execution[]>();
  for await (const info of client.workflow.list()) {
    const runs = byId.get(info.workflowId) ?? [];
    runs.push({ type: info.type, status: info.status.name, closeTime: info.closeTime?.getTime() });
    byId.set(info.workflowId, runs);
  }
  return byId;
}

/** What the checks read from an entity's `state` answer; loose on purpose, every entity differs. */
interface EntityView {
  eventIds?: string[];
  notifications?: { id: string; delivered: boolean }[];
  authorization?: { status?: string };
  dispensation?: { status?: string };
  prescription?: { status?: string };
  settlement?: { status?: string };
}

const FOLDS: Record<
  FamilyName,
  { fold: (id: string, events: AppliedEvent[]) => { status: string }; status: (view: EntityView) => string | undefined }
> = {
  authorization: { fold: foldAuthorization, status: (view) => view.authorization?.status },
  dispensing: { fold: foldDispensation, status: (view) => view.dispensation?.status },
  prescription: { fold: foldPrescription, status: (view) => view.prescription?.status },
  settlement: { fold: foldSettlement, status: (view) => view.settlement?.status },
};

async function mapLimit<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let index = next++; index < items.length; index = next++) results[index] = await task(items[index] as T);
    }),
  );
  return results;
}

async function poll<T>(deadlineMs: number, probe: () => Promise<{ done: boolean; value: T }>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const { done, value } = await probe();
    if (done || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const count = (byKey: Record<string, number>) =>
  Object.entries(byKey)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key}×${n}`)
    .join(' ');

export interface VerifyInput {
  fault: string;
  client: Client;
  events: readonly SimulatedEvent[];
  result: RunResult;
  doorLog: readonly PassedAttempt[];
  provider: ProviderRecorder;
  window: FaultWindow | undefined;
  /** Extra words for the notes column (what was injected). */
  injected?: string;
  startedAt: number;
  /** How long to wait for processing to settle before calling what is missing a failure. */
  settleMs?: number;
}

/**
 * After the run: every event the simulator sent was acknowledged, has exactly one completed
 * workflow run, and reached its entity exactly once; each entity is running, holds its events and
 * is in the state its events fold to; every notification the entities recorded reached the
 * provider, and none was accepted twice.
 */
export async function verifyRun(input: VerifyInput): Promise<FaultRow> {
  const { client, events, result, doorLog, provider, window } = input;
  // Generous: on a busy 2-core machine the worker can trail the receiver by a minute or more.
  const settleMs = input.settleMs ?? 240_000;
  const report = summarize(result);
  const problems: string[] = [];
  const eventIds = events.map((event) => event.event_id);
  const acknowledged = new Set(result.records.filter((record) => record.outcome === 'delivered').map((record) => record.eventId));

  // 1. Event workflows: one run each, closed, completed.
  const executions = await poll(settleMs, async () => {
    const all = await listExecutions(client);
    const done = eventIds.every((id) => {
      const runs = all.get(id);
      return runs !== undefined && runs.every((run) => run.status !== 'RUNNING');
    });
    return { done, value: all };
  });
  let lost = 0;
  let duplicatesProcessed = 0;
  for (const id of eventIds) {
    const runs = executions.get(id) ?? [];
    if (!acknowledged.has(id) || runs.length === 0) {
      lost += 1;
      problems.push(`${id}: ${acknowledged.has(id) ? 'acknowledged but not in Temporal' : 'never acknowledged'}`);
    }
    if (runs.length > 1) {
      duplicatesProcessed += runs.length - 1;
      problems.push(`${id}: ${runs.length} workflow runs`);
    }
    for (const run of runs) if (run.status !== 'COMPLETED') problems.push(`${id}: event workflow ${run.status}`);
  }

  // 2. Entities: running, holding each of their events once, in the state their events fold to.
  const byEntity = new Map<string, { family: FamilyName; resourceId: string; events: SimulatedEvent[] }>();
  for (const event of events) {
    const route = routeEvent(event);
    if (route.resourceId === undefined || !(route.family in EVENT_FAMILIES)) continue;
    const family = route.family as FamilyName;
    const id = entityWorkflowId(EVENT_FAMILIES[family], route.resourceId);
    const entry = byEntity.get(id) ?? { family, resourceId: route.resourceId, events: [] };
    entry.events.push(event);
    byEntity.set(id, entry);
  }
  const query = (workflowId: string) => client.workflow.getHandle(workflowId).query<EntityView>('state');
  const entityProblems = await poll(settleMs, async () => {
    const found = await mapLimit([...byEntity], 8, async ([workflowId, entity]) => {
      try {
        const status = (await client.workflow.getHandle(workflowId).describe()).status.name;
        if (status !== 'RUNNING') return [`${workflowId}: entity ${status}`];
        const view = await query(workflowId);
        const held = view.eventIds ?? [];
        const missing = entity.events.filter((event) => !held.includes(event.event_id));
        if (missing.length > 0) return [`${workflowId}: missing ${missing.map((event) => event.event_id).join(', ')}`];
        const twice = held.length - new Set(held).size;
        if (twice > 0) return [`${workflowId}: applied ${twice} events twice`];
        const applied = entity.events.map((event) => ({
          eventId: event.event_id,
          eventType: event.event_type,
          createdAt: event.created_at,
          data: event.data,
        }));
        const { fold, status: statusOf } = FOLDS[entity.family];
        const expected = fold(entity.resourceId, applied).status;
        if (statusOf(view) !== expected) return [`${workflowId}: state ${String(statusOf(view))}, its events fold to ${expected}`];
        return [];
      } catch (error) {
        return [`${workflowId}: ${error instanceof Error ? error.message : String(error)}`];
      }
    });
    const flat = found.flat();
    return { done: flat.length === 0, value: flat };
  });
  problems.push(...entityProblems);
  // Counted after the wait: an entity that applied an event twice never gets better.
  for (const line of entityProblems) {
    const match = /applied (\d+) events twice/.exec(line);
    if (match !== null) duplicatesProcessed += Number(match[1]);
  }

  // 3. Notifications: every one an entity recorded is delivered; the provider accepted each once.
  const entityIds = [...executions].filter(([, runs]) => runs.some((run) => run.type.endsWith('EntityWorkflow'))).map(([id]) => id);
  const undelivered = await poll(settleMs, async () => {
    const views = await mapLimit(entityIds, 8, async (id): Promise<EntityView> => query(id).catch((): EntityView => ({})));
    const pending = views.flatMap((view) => (view.notifications ?? []).filter((record) => !record.delivered).map((record) => record.id));
    return { done: pending.length === 0, value: pending };
  });
  for (const id of undelivered) problems.push(`notification ${id}: not delivered`);
  const accepted = provider.acceptedCounts();
  const twice = [...accepted].filter(([, n]) => n > 1);
  for (const [id, n] of twice) problems.push(`notification ${id}: accepted ${n} times`);
  for (const request of provider.requests) {
    if (!request.signatureValid) problems.push(`notification ${String(request.notificationId)}: bad signature`);
    if (request.idempotencyKey !== request.notificationId)
      problems.push(`notification ${String(request.notificationId)}: Idempotency-Key ${String(request.idempotencyKey)}`);
  }

  // 4. Times, from the front door's clock and Temporal's (one machine).
  const firstAck = new Map<string, number>();
  for (const entry of doorLog) {
    if (entry.eventId !== undefined && entry.status >= 200 && entry.status < 300 && !firstAck.has(entry.eventId))
      firstAck.set(entry.eventId, entry.at);
  }
  const retried = new Set(result.records.filter((record) => record.attempts.length > 1).map((record) => record.eventId));
  let recoveryMs: number | null = null;
  let caughtUpMs: number | null = null;
  if (window !== undefined) {
    const since = (at: number) => Math.max(0, at - window.endedAt);
    for (const id of retried) {
      const at = firstAck.get(id);
      if (at !== undefined) recoveryMs = Math.max(recoveryMs ?? 0, since(at));
    }
    const held: number[] = [];
    for (const id of eventIds) {
      const ackAt = firstAck.get(id);
      const closedAt = executions.get(id)?.[0]?.closeTime;
      if (ackAt !== undefined && ackAt <= window.endedAt && closedAt !== undefined) held.push(since(closedAt));
    }
    const refusedIds = new Set(provider.requests.filter((request) => request.status >= 300).map((request) => request.notificationId));
    for (const request of provider.requests) {
      if (request.status < 300 && refusedIds.has(request.notificationId)) held.push(since(request.at));
    }
    if (held.length > 0) caughtUpMs = Math.max(...held);
  }

  // How far processing trailed acknowledgement over the whole run, to read `caught up` against.
  const lags = eventIds
    .map((id) => {
      const ackAt = firstAck.get(id);
      const closedAt = executions.get(id)?.[0]?.closeTime;
      return ackAt === undefined || closedAt === undefined ? undefined : closedAt - ackAt;
    })
    .filter((lag): lag is number => lag !== undefined)
    .sort((a, b) => a - b);
  const lagNote =
    lags.length === 0
      ? undefined
      : `ack → workflow closed p50 ${((lags[Math.floor(lags.length / 2)] as number) / 1000).toFixed(1)} s, max ${((lags[lags.length - 1] as number) / 1000).toFixed(1)} s`;

  // 5. The receiver's own answer: at most one "first time" per event, whatever the copies.
  const firstTime = new Map<string, number>();
  let duplicateAnswers = 0;
  for (const entry of doorLog) {
    if (entry.duplicate === false && entry.eventId !== undefined) firstTime.set(entry.eventId, (firstTime.get(entry.eventId) ?? 0) + 1);
    if (entry.duplicate === true) duplicateAnswers += 1;
  }
  for (const [id, n] of firstTime) if (n > 1) problems.push(`${id}: answered duplicate:false ${n} times`);

  const refusals: Record<string, number> = {};
  for (const entry of doorLog) {
    const reason = entry.upstreamError === undefined ? entry.refusal : `502 ${entry.upstreamError}`;
    if (reason !== undefined) refusals[reason] = (refusals[reason] ?? 0) + 1;
  }
  const failed = [count(report.failed.byStatus), count(report.failed.byError), count(report.refused.byStatus)].filter(Boolean).join(' ');
  const notes = [
    input.injected,
    failed === '' ? 'no failed attempts' : `failed attempts ${failed} (${count(refusals)})`,
    duplicateAnswers > 0 ? `${duplicateAnswers} answered duplicate:true` : undefined,
    lagNote,
  ]
    .filter((part) => part !== undefined && part !== '')
    .join('; ');

  return {
    fault: input.fault,
    eventsSent: report.events,
    deliveries: report.deliveries,
    attempts: report.attempts,
    acknowledged: report.delivered,
    retriedEvents: report.retried.events,
    retries: report.retried.retries,
    lost,
    duplicatesProcessed,
    notificationsAccepted: accepted.size,
    notificationsAcceptedTwice: twice.length,
    notificationsRefused: provider.requests.filter((request) => request.status >= 300).length,
    faultMs: window === undefined ? null : window.endedAt - window.startedAt,
    recoveryMs,
    caughtUpMs,
    notes,
    problems,
    elapsedMs: Date.now() - input.startedAt,
  };
}
