import { continueAsNew, getExternalWorkflowHandle, log, setHandler } from '@temporalio/workflow';
import type { AppliedEvent } from '../domain/applied-event';
import { foldAuthorization, isAuthorizationFinal, type AuthorizationState, type RegisteredDispensation } from '../domain/authorization';
import type { NotificationRecord } from '../domain/notification';
import type { EntitySettings } from '../domain/settings';
import { EntityInbox, waitUntil } from './entity-inbox';
import { statePublisher, timeToEnd } from './entity-lifecycle';
import { EVENT_FAMILIES, entityWorkflowId } from '../osigu/families';
import { authorizationChangedSignal, osiguEventSignal, registerDispensationUpdate, stateQuery } from './messages';
import { ProviderNotifications } from './provider-notifier';

export interface AuthorizationMemory {
  events: AppliedEvent[];
  dispensations: RegisteredDispensation[];
  notifications: NotificationRecord[];
  expiredUnused: boolean;
  lastActivityAt: number;
  /** What the registered dispensations last heard about: a change is signalled to them. */
  announced: string | undefined;
}

export interface EntityInput<Memory> {
  resourceId: string;
  settings: EntitySettings;
  memory?: Memory;
}

export interface AuthorizationView {
  authorization: AuthorizationState;
  dispensations: RegisteredDispensation[];
  flags: string[];
  notifications: readonly NotificationRecord[];
  eventIds: string[];
}

/**
 * One authorization (or, for a rejected request, its request): status from its events in
 * `created_at` order, the dispensations completed against it, and a durable timer that flags it
 * when it expires unused.
 */
export async function authorizationEntityWorkflow(input: EntityInput<AuthorizationMemory>): Promise<AuthorizationView> {
  const { resourceId, settings } = input;
  const inbox = new EntityInbox(input.memory?.events);
  const dispensations = [...(input.memory?.dispensations ?? [])];
  const notifications = new ProviderNotifications(input.memory?.notifications ?? [], { type: 'authorization', id: resourceId });
  let expiredUnused = input.memory?.expiredUnused ?? false;
  let lastActivityAt = input.memory?.lastActivityAt ?? Date.now();
  let state = foldAuthorization(resourceId, inbox.events);
  let changed = false;

  const flags = (): string[] => (expiredUnused ? ['expired_unused'] : []);
  const view = (): AuthorizationView => ({
    authorization: state,
    dispensations,
    flags: flags(),
    notifications: notifications.records,
    eventIds: inbox.events.map((event) => event.eventId),
  });

  setHandler(osiguEventSignal, inbox.receive);
  setHandler(stateQuery, view);
  setHandler(registerDispensationUpdate, (registration) => {
    const others = dispensations.filter((other) => other.dispensationId !== registration.dispensationId);
    if (others.length === dispensations.length) dispensations.push(registration);
    lastActivityAt = Date.now();
    changed = true;
    // Before the authorization's own events arrive there is nothing to check against yet.
    return { authorization: state.status === 'UNKNOWN' ? undefined : state, others };
  });
  let announced = input.memory?.announced;

  const publishState = statePublisher();
  for (;;) {
    if (inbox.drain() > 0) {
      state = foldAuthorization(resourceId, inbox.events);
      lastActivityAt = Date.now();
    }
    changed = false;

    // Dispensations reconciled against an older picture (or none) get to look again.
    const picture = JSON.stringify([state.status, state.products, state.expiresAt, state.voidedAt, state.authorizationCode]);
    if (picture !== announced && dispensations.length > 0) {
      for (const dispensation of dispensations) {
        try {
          await getExternalWorkflowHandle(entityWorkflowId(EVENT_FAMILIES.dispensing, dispensation.dispensationId)).signal(authorizationChangedSignal);
        } catch (error) {
          // A dispensation that already ended has nothing left to reconcile.
          log.info('dispensation not told of authorization change', { dispensationId: dispensation.dispensationId, error: String(error) });
        }
      }
    }
    announced = picture;

    if (state.status === 'CREATED' || state.status === 'REJECTED') {
      notifications.notify('authorization.decided', state.status, {
        status: state.status,
        authorization_id: state.authorizationId ?? null,
        authorization_request_id: state.authorizationRequestId ?? null,
        decided_at: state.decidedAt ?? null,
      });
    }
    if (state.status === 'VOIDED') {
      notifications.notify('authorization.voided', 'voided', { voided_by: state.voidedBy ?? null, voided_at: state.voidedAt ?? null });
    }
    const expiresAt = state.expiresAt === undefined ? undefined : Date.parse(state.expiresAt);
    const awaitingExpiry = state.status === 'CREATED' && dispensations.length === 0 && !expiredUnused && expiresAt !== undefined;
    if (awaitingExpiry && expiresAt <= Date.now()) {
      expiredUnused = true;
      notifications.notify('authorization.expired_unused', state.expiresAt ?? 'expired', { expires_at: state.expiresAt ?? null });
    }
    publishState(state.status, flags());

    const final = isAuthorizationFinal(state) || expiredUnused || dispensations.length > 0;
    const quietUntil = lastActivityAt + settings.quietPeriodMs;
    const continueWith = () => continueAsNew<typeof authorizationEntityWorkflow>({ resourceId, settings, memory: { events: [...inbox.events], dispensations, notifications: [...notifications.records], expiredUnused, lastActivityAt, announced } });
    if (await timeToEnd({ final, quietUntil, inbox, notifications, continueWith, maxHistoryEvents: settings.maxHistoryEvents })) return view();
    const wakeAt = Math.min(awaitingExpiry && !expiredUnused ? (expiresAt ?? Infinity) : Infinity, final ? quietUntil : Infinity);
    await waitUntil(() => inbox.hasPending || changed, Number.isFinite(wakeAt) ? wakeAt : undefined);
  }
}
