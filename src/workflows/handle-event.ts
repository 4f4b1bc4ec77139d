import {
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { entityWorkflowId, EVENT_FAMILIES, resourceIdOf, type EventFamily, type FamilyName } from '../osigu/families';
import { HANDOFF_REJECTED } from '../temporal/failure-types';
import { OSIGU_FLAGS, OSIGU_OUTCOME } from '../temporal/search-attributes';
import type { EventOutcome, EventRecord, EventWorkflowInput, ParkedReason } from './event-input';

/** How long a hand-off is retried before its event is parked (visible, re-drivable with `ops retry`). */
export const HANDOFF_TIMEOUT = '10 minutes';

/**
 * Since this patch the hand-off is a local activity: it runs in the worker that runs the event
 * workflow, inside the workflow's first task, so an event costs one workflow task and no activity
 * task (bench/cost counts it). Its result goes through the payload codec like every payload; its
 * marker also holds the SDK core's own bookkeeping in clear (sequence, attempt, activity id and
 * type, times), which test/security allows by exact field name. The event's workflow task stays
 * open while the entity answers, holding its worker slot: entities have a task queue and slots of
 * their own (src/worker.ts), so they can always answer. Runs started before the patch keep the
 * regular activity (the replay corpus holds them).
 */
export const HANDOFF_LOCAL_ACTIVITY_PATCH = 'handoff-as-local-activity';

const handoffRetry = { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: [HANDOFF_REJECTED] };

const { forwardEvent } = proxyActivities<Activities>({
  // If a worker dies mid-call, the retry should not wait long for it.
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: HANDOFF_TIMEOUT,
  retry: handoffRetry,
});

const { forwardEvent: forwardEventLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: HANDOFF_TIMEOUT,
  // Retries further apart than this wait in a durable timer instead of in the worker's memory.
  localRetryThreshold: '10 seconds',
  retry: handoffRetry,
});

/**
 * One event's workflow: the event is already durable as this workflow's input. It is checked
 * against the environment the receiver serves, then handed to its resource's entity workflow,
 * which keeps the order and the state. An event that cannot be handed off (for the whole
 * HANDOFF_TIMEOUT, or refused for good) or that its entity cannot apply is parked: the workflow
 * completes with outcome `parked`, visible by `OsiguOutcome = 'parked'` and counted in the
 * `osigu_events_parked` metric; the entity's other events are not held up by it.
 */
export async function handleEvent(family: Pick<EventFamily, 'name' | 'resourceFields'>, input: EventWorkflowInput): Promise<EventRecord> {
  const { event, receivedAt, expectedEnvironment } = input;
  const resourceId = input.resourceKey ?? resourceIdOf(event.data, family.resourceFields) ?? null;
  // A reset keeps the original run id; event workflows never continue as new: so this is a re-run.
  const info = workflowInfo();
  const rerun = info.runId !== info.originalExecutionRunId;
  const inputFlags = [...(input.flags ?? []), ...(rerun ? ['rerun'] : [])];
  const record = (outcome: EventOutcome, extra: Partial<EventRecord> = {}): EventRecord => {
    const flags = [...(extra.parkedReason === undefined ? [] : [extra.parkedReason]), ...inputFlags];
    // Only the exceptions are worth a visibility write: `OsiguOutcome = 'ignored_environment'`.
    if (outcome !== 'forwarded' || rerun)
      upsertSearchAttributes([{ key: OSIGU_OUTCOME, value: outcome }, ...(flags.length > 0 ? [{ key: OSIGU_FLAGS, value: flags }] : [])]);
    if (outcome === 'parked')
      metricMeter
        .createCounter('osigu_events_parked', 'events', 'Events whose workflow completed parked')
        .add(1, { reason: extra.parkedReason ?? 'unknown', family: family.name });
    // The Web UI's current details (answered by query: no command, so old histories replay the
    // same): the outcome, where the event went and the flags, e.g. `forwarded → dispensation:dsp_… · applied`.
    setCurrentDetails(
      [
        extra.entityWorkflowId === undefined ? outcome : `${outcome} → ${extra.entityWorkflowId}`,
        ...(extra.entityOutcome === undefined ? [] : [extra.entityOutcome]),
        ...flags,
      ].join(' · '),
    );
    log.info('event handled', {
      eventId: event.event_id,
      eventType: event.event_type,
      family: family.name,
      resourceId,
      outcome,
      ...(extra.parkedReason === undefined ? {} : { parkedReason: extra.parkedReason }),
    });
    return {
      eventId: event.event_id,
      eventType: event.event_type,
      family: family.name,
      resourceId,
      createdAt: event.created_at,
      receivedAt,
      outcome,
      ...extra,
      ...(flags.length > 0 ? { flags } : {}),
      ...(rerun ? { rerun: true } : {}),
    };
  };
  const park = (parkedReason: ParkedReason, entityWorkflowId?: string): EventRecord =>
    record('parked', { parkedReason, ...(entityWorkflowId === undefined ? {} : { entityWorkflowId }) });

  // A production receiver must never act on a sandbox event, nor the reverse: acknowledge, record, stop.
  if (expectedEnvironment !== undefined && event.environment !== expectedEnvironment) return record('ignored_environment');
  if (resourceId === null || !isFamily(family.name)) return record('no_resource');

  // Seen while a hand-off is retried (up to HANDOFF_TIMEOUT): where the event is waiting to go.
  setCurrentDetails(`handing off → ${entityWorkflowId(EVENT_FAMILIES[family.name], resourceId)}`);
  let answer;
  try {
    const forward = patched(HANDOFF_LOCAL_ACTIVITY_PATCH) ? forwardEventLocally : forwardEvent;
    answer = await forward(family.name, resourceId, {
      eventId: event.event_id,
      eventType: event.event_type,
      createdAt: event.created_at,
      data: event.data,
      ...(rerun ? { rerun: true } : {}),
    });
  } catch (error) {
    // A regular activity's failure arrives as an ActivityFailure; a local activity's may arrive as
    // its cause itself (an ApplicationFailure, a TimeoutFailure). Either way the event is parked;
    // only this workflow's own cancellation goes on up.
    if (error instanceof TemporalFailure && !isCancellation(error)) return park('handoff_failed');
    throw error;
  }
  if (answer.outcome === 'apply_failed') return park('apply_failed', answer.entityWorkflowId);
  return record('forwarded', { entityWorkflowId: answer.entityWorkflowId, entityOutcome: answer.outcome });
}

function isFamily(name: string): name is FamilyName {
  return name === 'authorization' || name === 'dispensing' || name === 'prescription' || name === 'settlement';
}
