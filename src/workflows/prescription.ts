import { EVENT_FAMILIES } from '../temporal/families';
import type { EventRecord, EventWorkflowInput } from './event-input';
import { recordEvent } from './record-event';

export async function prescriptionEventWorkflow(input: EventWorkflowInput): Promise<EventRecord> {
  return Promise.resolve(recordEvent(EVENT_FAMILIES.prescription, input));
}
