import { continueAsNew, setHandler } from '@temporalio/workflow';
import type { AppliedEvent } from '../domain/applied-event';
import type { NotificationRecord } from '../domain/notification';
import { foldPrescription, type PrescriptionState } from '../domain/prescription';
import type { EntityInput } from './authorization-entity';
import { EntityInbox, waitUntil } from './entity-inbox';
import { statePublisher, timeToEnd } from './entity-lifecycle';
import { osiguEventSignal, stateQuery } from './messages';
import { ProviderNotifications } from './provider-notifier';

export interface PrescriptionMemory {
  events: AppliedEvent[];
  issuedSeenAt: number | undefined;
  outcomeMissing: boolean;
  notifications: NotificationRecord[];
  lastActivityAt: number;
}

export interface PrescriptionView {
  prescription: PrescriptionState;
  flags: string[];
  notifications: readonly NotificationRecord[];
  eventIds: string[];
}

/**
 * One prescription: issued, then its e-mail delivered or failed. A failure asks the provider to
 * resend; an issued prescription with no outcome in time is flagged.
 */
export async function prescriptionEntityWorkflow(input: EntityInput<PrescriptionMemory>): Promise<PrescriptionView> {
  const { resourceId, settings } = input;
  const inbox = new EntityInbox(input.memory?.events);
  const notifications = new ProviderNotifications(input.memory?.notifications ?? [], { type: 'prescription', id: resourceId });
  let issuedSeenAt = input.memory?.issuedSeenAt;
  let outcomeMissing = input.memory?.outcomeMissing ?? false;
  let lastActivityAt = input.memory?.lastActivityAt ?? Date.now();
  let state = foldPrescription(resourceId, inbox.events);

  const flags = (): string[] => [...(state.status === 'EMAIL_FAILED' ? ['email_failed'] : []), ...(outcomeMissing && state.status === 'ISSUED' ? ['delivery_outcome_missing'] : [])];
  const view = (): PrescriptionView => ({ prescription: state, flags: flags(), notifications: notifications.records, eventIds: inbox.events.map((event) => event.eventId) });

  setHandler(osiguEventSignal, inbox.receive);
  setHandler(stateQuery, view);

  const publishState = statePublisher();
  for (;;) {
    if (inbox.drain() > 0) {
      state = foldPrescription(resourceId, inbox.events);
      lastActivityAt = Date.now();
      if (state.status === 'ISSUED') issuedSeenAt ??= Date.now();
    }

    if (state.status === 'EMAIL_FAILED') {
      // Keyed by the failure's time: a resend that bounces again asks again.
      notifications.notify('prescription.email_failed', state.failedAt ?? 'failed', {
        prescription_code: state.prescriptionCode ?? null,
        failed_at: state.failedAt ?? null,
        action: 'resend',
      });
    }
    const outcomeDueAt = state.status === 'ISSUED' && !outcomeMissing && issuedSeenAt !== undefined ? issuedSeenAt + settings.prescriptionOutcomeTimeoutMs : undefined;
    if (outcomeDueAt !== undefined && outcomeDueAt <= Date.now()) {
      outcomeMissing = true;
      notifications.notify('prescription.delivery_outcome_missing', 'issued', { prescription_code: state.prescriptionCode ?? null, issued_at: state.issuedAt ?? null });
    }
    publishState(state.status, flags());

    const final = state.status === 'EMAIL_DELIVERED';
    const quietUntil = lastActivityAt + settings.quietPeriodMs;
    const continueWith = () => continueAsNew<typeof prescriptionEntityWorkflow>({ resourceId, settings, memory: { events: [...inbox.events], issuedSeenAt, outcomeMissing, notifications: [...notifications.records], lastActivityAt } });
    if (await timeToEnd({ final, quietUntil, inbox, notifications, continueWith, maxHistoryEvents: settings.maxHistoryEvents })) return view();
    const wakeAt = Math.min(outcomeDueAt ?? Infinity, final ? quietUntil : Infinity);
    await waitUntil(() => inbox.hasPending, Number.isFinite(wakeAt) ? wakeAt : undefined);
  }
}
