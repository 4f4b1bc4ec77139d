import { log } from '@temporalio/workflow';
import { resourceIdOf, type EventFamily } from '../temporal/families';
import type { EventRecord, EventWorkflowInput } from './event-input';

/**
 * The event is already durable as this workflow's input; recording it means leaving a result an
 * operator can read without opening the payload (ids and types only). Families build their
 * follow-up on top of this.
 */
export function recordEvent(family: Pick<EventFamily, 'name' | 'resourceFields'>, input: EventWorkflowInput): EventRecord {
  const { event, receivedAt } = input;
  const resourceId = resourceIdOf(event.data, family.resourceFields);
  log.info('event recorded', { eventId: event.event_id, eventType: event.event_type, family: family.name, resourceId });
  return {
    eventId: event.event_id,
    eventType: event.event_type,
    family: family.name,
    resourceId: resourceId ?? null,
    createdAt: event.created_at,
    receivedAt,
  };
}
