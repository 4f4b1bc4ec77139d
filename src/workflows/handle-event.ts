import { log, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { resourceIdOf, type EventFamily, type FamilyName } from '../osigu/families';
import { OSIGU_OUTCOME } from '../temporal/search-attributes';
import type { EventOutcome, EventRecord, EventWorkflowInput } from './event-input';

// A regular activity, not a local one: a local activity's marker is stored outside the payload
// codec, and every payload in an event's history stays encrypted (test/security).
const { forwardEvent } = proxyActivities<Activities>({
  // If a worker dies mid-call, the retry should not wait long for it.
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One event's workflow: the event is already durable as this workflow's input. It is checked
 * against the environment the receiver serves, then handed to its resource's entity workflow,
 * which keeps the order and the state.
 */
export async function handleEvent(family: Pick<EventFamily, 'name' | 'resourceFields'>, input: EventWorkflowInput): Promise<EventRecord> {
  const { event, receivedAt, expectedEnvironment } = input;
  const resourceId = resourceIdOf(event.data, family.resourceFields) ?? null;
  const record = (outcome: EventOutcome, entityWorkflowId?: string): EventRecord => {
    // Only the exceptions are worth a visibility write: `OsiguOutcome = 'ignored_environment'`.
    if (outcome !== 'forwarded') upsertSearchAttributes([{ key: OSIGU_OUTCOME, value: outcome }]);
    log.info('event handled', { eventId: event.event_id, eventType: event.event_type, family: family.name, resourceId, outcome });
    return {
      eventId: event.event_id,
      eventType: event.event_type,
      family: family.name,
      resourceId,
      createdAt: event.created_at,
      receivedAt,
      outcome,
      ...(entityWorkflowId === undefined ? {} : { entityWorkflowId }),
    };
  };

  // A production receiver must never act on a sandbox event, nor the reverse: acknowledge, record, stop.
  if (expectedEnvironment !== undefined && event.environment !== expectedEnvironment) return record('ignored_environment');
  if (resourceId === null || !isFamily(family.name)) return record('no_resource');

  const entity = await forwardEvent(family.name, resourceId, {
    eventId: event.event_id,
    eventType: event.event_type,
    createdAt: event.created_at,
    data: event.data,
  });
  return record('forwarded', entity);
}

function isFamily(name: string): name is FamilyName {
  return name === 'authorization' || name === 'dispensing' || name === 'prescription' || name === 'settlement';
}
