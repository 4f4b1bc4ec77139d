import { continueAsNew, setHandler } from '@temporalio/workflow';
import type { AppliedEvent } from '../domain/applied-event';
import type { NotificationRecord } from '../domain/notification';
import { foldSettlement, rejectedClaims, type SettlementClaim, type SettlementState } from '../domain/settlement';
import type { EntityInput } from './authorization-entity';
import { EntityInbox, waitUntil } from './entity-inbox';
import { statePublisher, timeToEnd } from './entity-lifecycle';
import { osiguEventSignal, stateQuery } from './messages';
import { ProviderNotifications } from './provider-notifier';

export interface SettlementMemory {
  events: AppliedEvent[];
  notifications: NotificationRecord[];
  lastActivityAt: number;
}

export interface SettlementView {
  settlement: SettlementState;
  rejectedClaims: SettlementClaim[];
  flags: string[];
  notifications: readonly NotificationRecord[];
  eventIds: string[];
}

/** One settlement batch: its outcome, each claim's state, and the claims the sponsor rejected. */
export async function settlementEntityWorkflow(input: EntityInput<SettlementMemory>): Promise<SettlementView> {
  const { resourceId, settings } = input;
  const inbox = new EntityInbox(input.memory?.events);
  const notifications = new ProviderNotifications(input.memory?.notifications ?? [], { type: 'settlement', id: resourceId });
  let lastActivityAt = input.memory?.lastActivityAt ?? Date.now();
  let state = foldSettlement(resourceId, inbox.events);

  const flags = (): string[] => (rejectedClaims(state).length > 0 || state.status === 'REJECTED' ? ['claims_rejected'] : []);
  const view = (): SettlementView => ({
    settlement: state,
    rejectedClaims: rejectedClaims(state),
    flags: flags(),
    notifications: notifications.records,
    eventIds: inbox.events.map((event) => event.eventId),
  });

  setHandler(osiguEventSignal, inbox.receive);
  setHandler(stateQuery, view);

  const publishState = statePublisher();
  for (;;) {
    if (inbox.drain() > 0) {
      state = foldSettlement(resourceId, inbox.events);
      lastActivityAt = Date.now();
    }
    if (state.status !== 'UNKNOWN') {
      notifications.notify('settlement.outcome', state.status, {
        status: state.status,
        period: state.period ?? null,
        currency_code: state.currencyCode ?? null,
        total_amount: state.totalAmount ?? null,
        settled_amount: state.settledAmount ?? null,
        rejected_claims: rejectedClaims(state).map((claim) => ({ claim_id: claim.claimId, authorization_id: claim.authorizationId ?? null, amount: claim.amount ?? null })),
      });
    }
    publishState(state.status, flags());

    const final = state.status !== 'UNKNOWN';
    const quietUntil = lastActivityAt + settings.quietPeriodMs;
    const continueWith = () => continueAsNew<typeof settlementEntityWorkflow>({ resourceId, settings, memory: { events: [...inbox.events], notifications: [...notifications.records], lastActivityAt } });
    if (await timeToEnd({ final, quietUntil, inbox, notifications, continueWith, maxHistoryEvents: settings.maxHistoryEvents })) return view();
    await waitUntil(() => inbox.hasPending, final ? quietUntil : undefined);
  }
}
