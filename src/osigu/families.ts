// Pure data, imported by both the receiver and workflow code, so it must stay free of imports.

export interface EventFamily {
  name: string;
  /** Osigu's subscription pattern language: `*` matches any run of characters. */
  pattern: string;
  workflowType: string;
  /** Where in `data` the family's main resource id lives, first match wins. */
  resourceFields: readonly string[];
  /** The long-lived workflow that keeps one resource's state, and its id prefix. */
  entityWorkflowType: string;
  entityPrefix: string;
}

export type FamilyName = keyof typeof EVENT_FAMILIES;

export const EVENT_FAMILIES = {
  authorization: {
    name: 'authorization',
    pattern: 'authorization.*',
    workflowType: 'authorizationEventWorkflow',
    entityWorkflowType: 'authorizationEntityWorkflow',
    entityPrefix: 'authorization',
    // A rejected request never became an authorization: its request id is the resource.
    resourceFields: ['authorization_id', 'authorization_request_id'],
  },
  dispensing: {
    name: 'dispensing',
    pattern: 'dispensing.*',
    workflowType: 'dispensingEventWorkflow',
    entityWorkflowType: 'dispensationEntityWorkflow',
    entityPrefix: 'dispensation',
    resourceFields: ['dispensation_id'],
  },
  prescription: {
    name: 'prescription',
    pattern: 'prescription.*',
    workflowType: 'prescriptionEventWorkflow',
    entityWorkflowType: 'prescriptionEntityWorkflow',
    entityPrefix: 'prescription',
    resourceFields: ['prescription_id'],
  },
  settlement: {
    name: 'settlement',
    pattern: 'settlement.*',
    workflowType: 'settlementEventWorkflow',
    entityWorkflowType: 'settlementEntityWorkflow',
    entityPrefix: 'settlement',
    resourceFields: ['settlement_id'],
  },
} as const satisfies Record<string, EventFamily>;

/** One resource's entity workflow id: readable, and free of PHI like every id here. */
export function entityWorkflowId(family: Pick<EventFamily, 'entityPrefix'>, resourceId: string): string {
  return `${family.entityPrefix}:${resourceId}`;
}

/** Where every event type that no pattern claims goes: accepted and visible, never refused. */
export const GENERIC_WORKFLOW_TYPE = 'genericEventWorkflow';

/** The family part of `family.action`, for types no pattern claims. */
export function familyOfType(eventType: string): string {
  const dot = eventType.indexOf('.');
  return dot > 0 ? eventType.slice(0, dot) : eventType;
}

export function resourceIdOf(data: Record<string, unknown>, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = data[field];
    if (typeof value === 'string' && value.length > 0 && value.length <= 255) return value;
  }
  return undefined;
}
