import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { AppliedEvent } from '../domain/applied-event';
import { foldAuthorization, type AuthorizationState, type RegisteredDispensation } from '../domain/authorization';
import type { Notification } from '../domain/notification';
import type { EntitySettings } from '../domain/settings';
import { EVENT_FAMILIES, entityWorkflowId, type FamilyName } from '../osigu/families';
import { OSIGU_EVENT_FAMILY, OSIGU_RESOURCE_ID } from '../temporal/search-attributes';
import { osiguEventSignal, registerDispensationUpdate, stateQuery } from '../workflows/messages';
import type { OsiguApi } from './osigu-api';
import type { ProviderDelivery, ProviderNotifier } from './provider';

export interface ActivityDependencies {
  client: Client;
  taskQueue: string;
  settings: EntitySettings;
  /** Unset when no Osigu API credentials are configured: lookups then find nothing. */
  osigu: OsiguApi | undefined;
  notifyProvider: ProviderNotifier;
}

export interface AuthorizationLookup {
  source: 'entity' | 'osigu_api' | 'none';
  authorization: AuthorizationState | undefined;
  others: RegisteredDispensation[];
}

/** Activities are built here from their dependencies, so tests and the worker wire real ones. */
export function createActivities({ client, taskQueue, settings, osigu, notifyProvider }: ActivityDependencies) {
  return {
    /** Hands an event to its resource's entity, starting the entity on first contact. */
    async forwardEvent(family: FamilyName, resourceId: string, event: AppliedEvent): Promise<string> {
      const definition = EVENT_FAMILIES[family];
      const workflowId = entityWorkflowId(definition, resourceId);
      await client.workflow.signalWithStart(definition.entityWorkflowType, {
        workflowId,
        taskQueue,
        args: [{ resourceId, settings }],
        signal: osiguEventSignal,
        signalArgs: [event],
        typedSearchAttributes: [
          { key: OSIGU_EVENT_FAMILY, value: definition.name },
          { key: OSIGU_RESOURCE_ID, value: resourceId },
        ],
      });
      return workflowId;
    },

    /**
     * What was authorized, for reconciling a completed dispensation. The authorization's entity
     * records the dispensation and answers in one step (an update, started with the entity if the
     * authorization's own events have not arrived yet, so it can tell the dispensation when they
     * do). An entity that already ended answers from its last state; Osigu's API fills in an
     * authorization this provider never heard of.
     */
    async registerDispensation(authorizationId: string, registration: RegisteredDispensation): Promise<AuthorizationLookup> {
      const definition = EVENT_FAMILIES.authorization;
      const workflowId = entityWorkflowId(definition, authorizationId);
      const handle = client.workflow.getHandle(workflowId);
      let closed = false;
      try {
        closed = (await handle.describe()).status.name !== 'RUNNING';
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }

      let answer: { authorization: AuthorizationState | undefined; others: RegisteredDispensation[] };
      if (closed) {
        const state = (await handle.query(stateQuery)) as { authorization?: AuthorizationState; dispensations?: RegisteredDispensation[] };
        answer = { authorization: state.authorization, others: (state.dispensations ?? []).filter((other) => other.dispensationId !== registration.dispensationId) };
      } else {
        answer = await client.workflow.executeUpdateWithStart(registerDispensationUpdate, {
          args: [registration],
          startWorkflowOperation: new WithStartWorkflowOperation(definition.entityWorkflowType, {
            workflowId,
            taskQueue,
            args: [{ resourceId: authorizationId, settings }],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            typedSearchAttributes: [
              { key: OSIGU_EVENT_FAMILY, value: definition.name },
              { key: OSIGU_RESOURCE_ID, value: authorizationId },
            ],
          }),
        });
      }
      if (answer.authorization !== undefined && answer.authorization.status !== 'UNKNOWN') return { source: 'entity', ...answer };

      const data = osigu === undefined ? undefined : await osigu.getAuthorization(authorizationId);
      if (data === undefined) return { source: 'none', authorization: undefined, others: answer.others };
      return { source: 'osigu_api', authorization: authorizationFromApi(authorizationId, data), others: answer.others };
    },

    /** Osigu's current view of a dispensation, for one that stayed STARTED too long. */
    async fetchDispensation(dispensationId: string): Promise<Record<string, unknown> | undefined> {
      return osigu === undefined ? undefined : osigu.getDispensation(dispensationId);
    },

    async notifyProvider(notification: Notification): Promise<ProviderDelivery> {
      return notifyProvider(notification);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** Osigu's authorization resource read as if it were the events that made it. */
function authorizationFromApi(authorizationId: string, data: Record<string, unknown>): AuthorizationState {
  const at = typeof data.updated_at === 'string' ? data.updated_at : new Date(0).toISOString();
  const events: AppliedEvent[] = [{ eventId: 'osigu-api', eventType: 'authorization.created', createdAt: at, data }];
  if (data.status === 'VOIDED') events.push({ eventId: 'osigu-api-void', eventType: 'authorization.voided', createdAt: at, data });
  return foldAuthorization(authorizationId, events);
}
