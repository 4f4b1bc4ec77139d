import picomatch from 'picomatch';
import type { OsiguEvent } from '../osigu/envelope';
import { EVENT_FAMILIES, GENERIC_WORKFLOW_TYPE, familyOfType, resourceIdOf } from '../osigu/families';

/** Where one event goes and how it is labelled for operators. */
export interface EventRoute {
  workflowType: string;
  family: string;
  resourceId: string | undefined;
}

// `*` in Osigu's patterns is "anything", dots included; picomatch's `*` crosses dots and stops
// only at `/`. A type with a `/` is not `family.action`, and goes to the generic workflow.
const matchers = Object.values(EVENT_FAMILIES).map((family) => ({
  family,
  matches: picomatch(family.pattern, { nocase: false }),
}));

export function routeEvent(event: Pick<OsiguEvent, 'event_type' | 'data'>): EventRoute {
  const match = matchers.find(({ matches }) => matches(event.event_type));
  if (match === undefined) {
    return { workflowType: GENERIC_WORKFLOW_TYPE, family: familyOfType(event.event_type), resourceId: undefined };
  }
  return {
    workflowType: match.family.workflowType,
    family: match.family.name,
    resourceId: resourceIdOf(event.data, match.family.resourceFields),
  };
}
