import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AppliedEvent } from '../domain/applied-event';
import { authorizationFromOsigu, type RegisteredDispensation } from '../domain/authorization';
import type { AuthorizationLookup } from '../domain/dispensation-decision';
import type { Notification } from '../domain/notification';
import type { PrescriptionAnswer } from '../domain/reconciliation';
import type { EntitySettings } from '../domain/settings';
import { EVENT_FAMILIES, entityWorkflowId, type FamilyName } from '../osigu/families';
import { applyEventUpdate, prescriptionStateQuery, registerDispensationUpdate, type ApplyEventResult } from '../workflows/messages';
import { updateEntity } from './entity-handoff';
import type { OsiguApi } from './osigu-api';
import type { ProviderDelivery, ProviderNotifier } from './provider';

export type { AuthorizationLookup } from '../domain/dispensation-decision';

export interface ActivityDependencies {
  client: Client;
  taskQueue: string;
  settings: EntitySettings;
  /** Unset when no Osigu API credentials are configured: lookups then find nothing. */
  osigu: OsiguApi | undefined;
  notifyProvider: ProviderNotifier;
  /**
   * A raw id taken from an event's `data` (an authorization id, a prescription id) as it may
   * appear in a workflow id: the same key the receiver computes for `resourceKey`. Default: as is.
   */
  resourceKey?: (rawId: string) => string;
}

/** Activities are built here from their dependencies, so tests and the worker wire real ones. */
export function createActivities({
  client,
  taskQueue,
  settings,
  osigu,
  notifyProvider,
  resourceKey = (rawId) => rawId,
}: ActivityDependencies) {
  const target = { client, taskQueue, settings };
  return {
    /**
     * Hands an event to its resource's entity (starting, or continuing, the entity): an Update
     * whose id is the event id, so a retry after a lost answer gets the first answer back.
     */
    async forwardEvent(family: FamilyName, resourceId: string, event: AppliedEvent): Promise<ApplyEventResult> {
      // A re-run's hand-off must reach the entity (which records it), not the first hand-off's answer.
      const updateId =
        event.rerun === true ? `${event.eventId}:rerun:${Context.current().info.workflowExecution?.runId ?? Date.now()}` : event.eventId;
      return updateEntity(target, family, resourceId, applyEventUpdate, [event, settings], updateId);
    },

    /**
     * What was authorized, for reconciling a completed dispensation. The authorization's entity
     * records the dispensation and answers in one step (started with the dispensation if the
     * authorization's own events have not arrived yet, so it tells the dispensation when they
     * do). Osigu's API fills in an authorization this provider never heard of; a refusal from it
     * is reported (`apiFailure`), never thrown: the registration itself succeeded.
     */
    async registerDispensation(authorizationId: string, registration: RegisteredDispensation): Promise<AuthorizationLookup> {
      const answer = await updateEntity(target, 'authorization', resourceKey(authorizationId), registerDispensationUpdate, [registration]);
      if (answer.authorization !== undefined) return { source: 'entity', ...answer };
      if (osigu === undefined) return { source: 'none', ...answer };
      try {
        const data = await osigu.getAuthorization(authorizationId);
        if (data === undefined) return { source: 'none', ...answer };
        return { ...answer, source: 'osigu_api', authorization: authorizationFromOsigu(authorizationId, data) };
      } catch (error) {
        if (error instanceof ApplicationFailure && error.nonRetryable)
          return { source: 'none', ...answer, apiFailure: error.type ?? 'unknown' };
        throw error;
      }
    },

    /** A prescription's medications as its entity knows them (running or ended), for a prescription-coded dispensation. */
    async lookupPrescription(prescriptionId: string): Promise<PrescriptionAnswer> {
      const handle = client.workflow.getHandle(entityWorkflowId(EVENT_FAMILIES.prescription, resourceKey(prescriptionId)));
      try {
        const view = await handle.query(prescriptionStateQuery);
        return { medications: view.prescription.status === 'UNKNOWN' ? undefined : (view.prescription.medications ?? []) };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { medications: undefined };
        throw error;
      }
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
