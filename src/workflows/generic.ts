import { familyOfType } from '../osigu/families';
import type { EventRecord, EventWorkflowInput } from './event-input';
import { handleEvent } from './handle-event';

/**
 * Event types we do not know yet land here: acknowledged and visible, so nothing Osigu adds is
 * ever refused or lost while the code catches up.
 */
export async function genericEventWorkflow(input: EventWorkflowInput): Promise<EventRecord> {
  return handleEvent({ name: familyOfType(input.event.event_type), resourceFields: [] }, input);
}
