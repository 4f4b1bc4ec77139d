import { getExternalWorkflowHandle, log, setHandler } from '@temporalio/workflow';
import { AUTHORIZATION_PROJECTION } from '../domain/authorization';
import {
  announced,
  answerOf,
  decideAuthorization,
  initialAuthorizationFacts,
  registerWith,
  type AnnounceWork,
  type AuthorizationFacts,
} from '../domain/authorization-decision';
import { EVENT_FAMILIES, entityWorkflowId } from '../osigu/families';
import { runEntity, type EntityInput, type EntityKind, type EntityResult } from './entity-runner';
import { authorizationChangedSignal, authorizationStateQuery, registerDispensationUpdate } from './messages';
import type { AuthorizationView } from './views';

export type { AuthorizationView } from './views';

const authorizationKind: EntityKind<AuthorizationFacts, AnnounceWork, ReturnType<typeof decideAuthorization>['state'], AuthorizationView> =
  {
    resourceType: 'authorization',
    workflowId: (resourceId) => entityWorkflowId(EVENT_FAMILIES.authorization, resourceId),
    projection: AUTHORIZATION_PROJECTION,
    stateQuery: authorizationStateQuery,
    initialFacts: initialAuthorizationFacts,
    decide: decideAuthorization,
    perform: async (work) => {
      // Told all at once; a dispensation that already ended has nothing left to reconcile.
      await Promise.all(
        work.dispensationIds.map(async (dispensationId) => {
          try {
            await getExternalWorkflowHandle(entityWorkflowId(EVENT_FAMILIES.dispensing, dispensationId)).signal(
              authorizationChangedSignal,
              work.answer,
            );
          } catch (error) {
            log.info('dispensation not told of authorization change', {
              dispensationId,
              error: error instanceof Error ? error.name : 'unknown',
            });
          }
        }),
      );
    },
    workDone: (facts, work) => ({ facts: announced(facts, work) }),
    view: (decision, common) => ({ ...common, authorization: decision.state, dispensations: answerOf(decision).dispensations }),
  };

/**
 * One authorization (or, for a rejected request, its request): its status from its events in
 * `created_at` order, the dispensations completed against it (each kept up to date with what it
 * is reconciled against), and `expired_unused` when it expires with none.
 */
export async function authorizationEntityWorkflow(
  input: EntityInput<AuthorizationFacts>,
): Promise<EntityResult<AuthorizationView, AuthorizationFacts>> {
  return runEntity(authorizationKind, input, (entity) => {
    // Answers with everything applied so far: an event in the same task is already folded.
    setHandler(registerDispensationUpdate, (registration) => answerOf(entity.change((facts) => registerWith(facts, registration))));
  });
}
