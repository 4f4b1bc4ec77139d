import picomatch from 'picomatch';
import { SimulatorError } from './simulator-error';

/** The 13 event types of Osigu's catalogue (shared/osigu/README.md), grouped by family. */
export const EVENT_TYPES_BY_FAMILY = {
  authorization: ['authorization.created', 'authorization.rejected', 'authorization.updated', 'authorization.voided'],
  dispensing: ['dispensing.started', 'dispensing.completed', 'dispensing.cancelled'],
  prescription: ['prescription.issued', 'prescription.email_delivered', 'prescription.email_failed'],
  settlement: ['settlement.paid', 'settlement.rejected', 'settlement.partially_accepted'],
} as const;

export type Family = keyof typeof EVENT_TYPES_BY_FAMILY;
export type EventType = (typeof EVENT_TYPES_BY_FAMILY)[Family][number];

export const FAMILIES = Object.keys(EVENT_TYPES_BY_FAMILY) as Family[];
export const EVENT_TYPES: readonly EventType[] = Object.values(EVENT_TYPES_BY_FAMILY).flat();

export function isFamily(value: string): value is Family {
  return (FAMILIES as readonly string[]).includes(value);
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export function familyOf(type: EventType): Family {
  return type.slice(0, type.indexOf('.')) as Family;
}

/** Types matching a pattern in Osigu's subscription language (`authorization.*`, `*`). */
export function typesMatching(pattern: string): EventType[] {
  const matches = picomatch(pattern);
  const types = EVENT_TYPES.filter((type) => matches(type));
  if (types.length === 0) {
    throw new SimulatorError('no_matching_types', `no event type matches "${pattern}"; known types: ${EVENT_TYPES.join(', ')}`);
  }
  return types;
}
