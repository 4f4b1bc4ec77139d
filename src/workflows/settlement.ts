import { EVENT_FAMILIES } from '../osigu/families';
import type { EventRecord, EventWorkflowInput } from './event-input';
import { handleEvent } from './handle-event';

export async function settlementEventWorkflow(input: EventWorkflowInput): Promise<EventRecord> {
  return handleEvent(EVENT_FAMILIES.settlement, input);
}
