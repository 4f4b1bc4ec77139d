import { continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities, AuthorizationLookup } from '../activities';
import type { AppliedEvent } from '../domain/applied-event';
import { foldDispensation, type DispensationState } from '../domain/dispensation';
import type { NotificationRecord } from '../domain/notification';
import { reconcileDispensation, type Reconciliation } from '../domain/reconciliation';
import type { EntityInput } from './authorization-entity';
import { EntityInbox, waitUntil } from './entity-inbox';
import { statePublisher, timeToEnd } from './entity-lifecycle';
import { authorizationChangedSignal, osiguEventSignal, resolveDiscrepancySignal, stateQuery, type DiscrepancyResolution } from './messages';
import { ProviderNotifications } from './provider-notifier';

const { registerDispensation, fetchDispensation } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '5 minutes',
    // 400/403/404 from Osigu will not change by asking again (401 was already retried once).
    nonRetryableErrorTypes: ['OsiguHttp400', 'OsiguHttp401', 'OsiguHttp403', 'OsiguHttp404'],
  },
});

export interface DispensationMemory {
  events: AppliedEvent[];
  /** Which completion the reconciliation below is about (completedAt plus cancellation). */
  reconciledFor: string | undefined;
  /** Bumped on each reconciliation, so every verdict is its own notification. */
  revision: number;
  reconciliation: Reconciliation | undefined;
  authorizationSource: AuthorizationLookup['source'] | undefined;
  discrepancyOpenedAt: number | undefined;
  escalations: number;
  resolution: (DiscrepancyResolution & { at: string }) | undefined;
  staleChecked: boolean;
  startedSeenAt: number | undefined;
  notifications: NotificationRecord[];
  lastActivityAt: number;
}

export interface DispensationView {
  dispensation: DispensationState;
  reconciliation: Reconciliation | undefined;
  authorizationSource: AuthorizationLookup['source'] | undefined;
  resolution: DispensationMemory['resolution'];
  escalations: number;
  flags: string[];
  notifications: readonly NotificationRecord[];
  eventIds: string[];
}

/**
 * One dispensation: STARTED → COMPLETED | CANCELLED. A completion is reconciled against its
 * authorization; a discrepancy waits for an operator's `resolveDiscrepancy` signal and escalates
 * when nobody answers. A dispensation that stays STARTED too long is looked up in Osigu's API.
 */
export async function dispensationEntityWorkflow(input: EntityInput<DispensationMemory>): Promise<DispensationView> {
  const { resourceId, settings } = input;
  const carried = input.memory;
  const inbox = new EntityInbox(carried?.events);
  const notifications = new ProviderNotifications(carried?.notifications ?? [], { type: 'dispensation', id: resourceId });
  const memory = {
    reconciledFor: carried?.reconciledFor,
    revision: carried?.revision ?? 0,
    reconciliation: carried?.reconciliation,
    authorizationSource: carried?.authorizationSource,
    discrepancyOpenedAt: carried?.discrepancyOpenedAt,
    escalations: carried?.escalations ?? 0,
    resolution: carried?.resolution,
    staleChecked: carried?.staleChecked ?? false,
    startedSeenAt: carried?.startedSeenAt,
    lastActivityAt: carried?.lastActivityAt ?? Date.now(),
  };
  let state = foldDispensation(resourceId, inbox.events);
  let woken = false;

  const discrepancyOpen = (): boolean => memory.reconciliation?.result === 'discrepancy' && memory.resolution === undefined;
  const flags = (): string[] => [
    ...(discrepancyOpen() ? ['discrepancy'] : []),
    ...(memory.resolution !== undefined ? ['discrepancy_resolved'] : []),
    ...(state.status === 'STARTED' && memory.staleChecked ? ['stale_started'] : []),
  ];
  const view = (): DispensationView => ({
    dispensation: state,
    reconciliation: memory.reconciliation,
    authorizationSource: memory.authorizationSource,
    resolution: memory.resolution,
    escalations: memory.escalations,
    flags: flags(),
    notifications: notifications.records,
    eventIds: inbox.events.map((event) => event.eventId),
  });

  setHandler(osiguEventSignal, inbox.receive);
  setHandler(stateQuery, view);
  setHandler(authorizationChangedSignal, () => {
    // A verdict still open for a person may have been reached on a picture that has changed.
    if (discrepancyOpen()) {
      memory.reconciledFor = undefined;
      woken = true;
    }
  });
  setHandler(resolveDiscrepancySignal, (resolution) => {
    // Only an open discrepancy can be resolved, and only once: a second click changes nothing.
    if (!discrepancyOpen()) return;
    memory.resolution = { decision: String(resolution.decision), by: String(resolution.by), ...(resolution.note === undefined ? {} : { note: String(resolution.note) }), at: new Date().toISOString() };
    woken = true;
  });

  const publishState = statePublisher();
  for (;;) {
    if (inbox.drain() > 0) {
      state = foldDispensation(resourceId, inbox.events);
      memory.lastActivityAt = Date.now();
      if (state.status === 'STARTED') memory.startedSeenAt ??= Date.now();
    }
    woken = false;

    const completion = state.completedAt === undefined ? undefined : `${state.completedAt}|${state.cancelledAfterCompletion}`;
    if (completion !== undefined && completion !== memory.reconciledFor) {
      const lookup =
        state.codeType !== 'PRESCRIPTION' && state.authorizationId !== undefined
          ? await registerDispensation(state.authorizationId, { dispensationId: resourceId, code: state.code, completedAt: state.completedAt ?? '' })
          : ({ source: 'none', authorization: undefined, others: [] } satisfies AuthorizationLookup);
      memory.reconciliation = reconcileDispensation(state, lookup.authorization, lookup.others);
      memory.authorizationSource = lookup.source;
      memory.reconciledFor = completion;
      memory.revision += 1;
      // A new completion state (a cancellation after it, say) reopens the question for a person.
      memory.discrepancyOpenedAt = memory.reconciliation.result === 'discrepancy' ? Date.now() : undefined;
      memory.escalations = 0;
      memory.resolution = undefined;
    }

    const verdict = `${memory.revision}`;
    if (memory.reconciliation !== undefined && memory.reconciledFor !== undefined) {
      if (memory.reconciliation.result === 'reconciled') {
        notifications.notify('dispensation.reconciled', verdict, { status: state.status, claim_id: state.claimId ?? null, total_amount: state.totalAmount ?? null });
      } else {
        notifications.notify('dispensation.discrepancy', verdict, { status: state.status, discrepancies: memory.reconciliation.discrepancies });
      }
    }
    if (memory.resolution !== undefined) {
      notifications.notify('dispensation.discrepancy_resolved', verdict, { decision: memory.resolution.decision, by: memory.resolution.by });
    }

    // Escalate an open discrepancy that nobody answered.
    const escalateAt =
      discrepancyOpen() && memory.discrepancyOpenedAt !== undefined && memory.escalations < settings.discrepancyMaxEscalations
        ? memory.discrepancyOpenedAt + settings.discrepancyEscalateAfterMs * (memory.escalations + 1)
        : undefined;
    if (escalateAt !== undefined && escalateAt <= Date.now()) {
      memory.escalations += 1;
      notifications.notify('dispensation.discrepancy_escalated', `${verdict}.${memory.escalations}`, {
        escalation: memory.escalations,
        discrepancies: memory.reconciliation?.result === 'discrepancy' ? memory.reconciliation.discrepancies : [],
      });
      continue;
    }

    // A STARTED that never finished: ask Osigu what became of it, and act on the answer.
    const staleAt = state.status === 'STARTED' && !memory.staleChecked && memory.startedSeenAt !== undefined ? memory.startedSeenAt + settings.dispensationStaleAfterMs : undefined;
    if (staleAt !== undefined && staleAt <= Date.now()) {
      memory.staleChecked = true;
      const current = await fetchDispensation(resourceId);
      const status = typeof current?.status === 'string' ? current.status : undefined;
      if (current !== undefined && (status === 'COMPLETED' || status === 'CANCELLED')) {
        const at = typeof current.completed_at === 'string' ? current.completed_at : typeof current.cancelled_at === 'string' ? current.cancelled_at : new Date().toISOString();
        inbox.receive({ eventId: `osigu-api:${resourceId}:${status}`, eventType: status === 'COMPLETED' ? 'dispensing.completed' : 'dispensing.cancelled', createdAt: at, data: current });
        continue;
      }
      notifications.notify('dispensation.stale', 'started', { osigu_status: status ?? 'unknown', started_at: state.startedAt ?? null });
    }

    publishState(state.status, flags());

    const final = (state.status === 'COMPLETED' || state.status === 'CANCELLED') && !discrepancyOpen();
    const quietUntil = memory.lastActivityAt + settings.quietPeriodMs;
    const continueWith = () => continueAsNew<typeof dispensationEntityWorkflow>({ resourceId, settings, memory: { ...memory, events: [...inbox.events], notifications: [...notifications.records] } });
    if (await timeToEnd({ final, quietUntil, inbox, notifications, continueWith, maxHistoryEvents: settings.maxHistoryEvents })) return view();
    const wakeAt = Math.min(escalateAt ?? Infinity, staleAt ?? Infinity, final ? quietUntil : Infinity);
    await waitUntil(() => inbox.hasPending || woken, Number.isFinite(wakeAt) ? wakeAt : undefined);
  }
}
