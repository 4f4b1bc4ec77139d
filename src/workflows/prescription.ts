import { EVENT_FAMILIES } from '../osigu/families';
import type { EventRecord, EventWorkflowInput } from './event-input';
import { handleEvent } from './handle-event';

export async function prescriptionEventWorkflow(input: EventWorkflowInput): Promise<EventRecord> {
  return handleEvent(EVENT_FAMILIES.prescription, input);
}
