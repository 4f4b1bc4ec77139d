import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DISPENSATION_PROJECTION, type DispensationState } from '../domain/dispensation';
import {
  authorizationChanged,
  decideDispensation,
  dispensationWorkDone,
  initialDispensationFacts,
  resolutionRejection,
  resolve,
  retryLookups,
  type DispensationFacts,
  type DispensationWork,
} from '../domain/dispensation-decision';
import { EVENT_FAMILIES, entityWorkflowId } from '../osigu/families';
import { NON_RETRYABLE_OSIGU_FAILURES } from '../temporal/failure-types';
import { runEntity, type EntityInput, type EntityKind, type EntityResult } from './entity-runner';
import { authorizationChangedSignal, dispensationStateQuery, resolveDiscrepancyUpdate, retryLookupsSignal } from './messages';
import type { DispensationView } from './views';

export type { DispensationView } from './views';

const { registerDispensation, lookupPrescription, fetchDispensation } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Bounded: a lookup still failing after this is a flag (`lookup_failed`), retried at the next wake.
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '2 minutes',
    // Asking again will not change these answers (a 401 was already retried once with a fresh token).
    nonRetryableErrorTypes: [...NON_RETRYABLE_OSIGU_FAILURES],
  },
});

/** The id Osigu knows the dispensation by (the entity's own id may be a keyed hash of it). */
function osiguIdOf(events: readonly { data: Record<string, unknown> }[], resourceId: string): string {
  for (const event of events) if (typeof event.data.dispensation_id === 'string') return event.data.dispensation_id;
  return resourceId;
}

const dispensationKind = (resourceId: string): EntityKind<DispensationFacts, DispensationWork, DispensationState, DispensationView> => ({
  resourceType: 'dispensation',
  workflowId: (id) => entityWorkflowId(EVENT_FAMILIES.dispensing, id),
  projection: DISPENSATION_PROJECTION,
  stateQuery: dispensationStateQuery,
  initialFacts: initialDispensationFacts,
  decide: decideDispensation,
  perform: async (work, events) => {
    switch (work.kind) {
      case 'register':
        return registerDispensation(work.authorizationId, work.registration);
      case 'prescription':
        return lookupPrescription(work.prescriptionId);
      case 'fetch':
        return fetchDispensation(osiguIdOf(events, resourceId));
    }
  },
  workDone: dispensationWorkDone,
  details: (decision) =>
    decision.facts.reconciliation?.result === 'discrepancy'
      ? [`rules: ${[...new Set(decision.facts.reconciliation.discrepancies.map((found) => found.rule))].join(', ')}`]
      : [],
  view: (decision, common) => ({
    ...common,
    dispensation: decision.state,
    reconciliation: decision.facts.reconciliation,
    authorizationSource: decision.facts.authorizationSource,
    resolution: decision.facts.resolution,
    previousResolution: decision.facts.previousResolution,
    escalations: decision.facts.escalations,
    lookupFailure: decision.facts.lookupFailure,
  }),
});

/**
 * One dispensation: STARTED → COMPLETED | CANCELLED, reconciled against its authorization (or
 * prescription) whenever what it is checked against changes (src/domain/dispensation-decision.ts).
 * A discrepancy waits for an operator's `resolveDiscrepancy` Update and escalates meanwhile.
 */
export async function dispensationEntityWorkflow(
  input: EntityInput<DispensationFacts>,
): Promise<EntityResult<DispensationView, DispensationFacts>> {
  return runEntity(dispensationKind(input.resourceId), input, (entity) => {
    setHandler(authorizationChangedSignal, (answer) => {
      entity.change((facts) => authorizationChanged(facts, answer));
    });
    setHandler(retryLookupsSignal, () => {
      entity.change(retryLookups);
    });
    setHandler(
      resolveDiscrepancyUpdate,
      (resolution) => {
        entity.change((facts, now) => resolve(facts, resolution, now));
        return entity.view();
      },
      {
        // Rejected updates leave no trace in history: the operator is told why, nothing changes.
        validator: (resolution) => {
          const reason = resolutionRejection(entity.current().facts, resolution);
          if (reason !== undefined) throw new Error(reason);
        },
        description: 'Record an operator decision (accept | reject) on an open discrepancy; answers the resulting state.',
      },
    );
  });
}
