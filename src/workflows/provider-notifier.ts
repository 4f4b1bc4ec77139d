import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NOTIFICATION_SCHEMA, type Notification, type NotificationKind, type NotificationRecord } from '../domain/notification';

/** The POST itself gives up after 10 s; a little more covers signing and a slow start. */
export const NOTIFICATION_ATTEMPT_TIMEOUT = '15 seconds';

const { notifyProvider } = proxyActivities<Activities>({
  startToCloseTimeout: NOTIFICATION_ATTEMPT_TIMEOUT,
  // The provider's system may be down for a while: keep trying for Osigu's own horizon.
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Tells the provider about an outcome at most once per notification id, even across
 * continue-as-new and ended runs (the records are carried). Deliveries run beside the entity's
 * handlers, so a provider that is down never holds up the next Osigu event; at continue-as-new the
 * entity gives the ones in flight one attempt's time to land, and those still out are carried in
 * `outbox` and sent again (same id, so still idempotent) by the next run.
 */
export class ProviderNotifications {
  private readonly sent: NotificationRecord[];
  private readonly inFlight = new Map<string, Notification>();

  constructor(
    carried: readonly NotificationRecord[],
    outbox: readonly Notification[],
    private readonly resource: Notification['resource'],
  ) {
    this.sent = carried.map((record) => ({ ...record }));
    for (const notification of outbox) {
      const record = this.sent.find((candidate) => candidate.id === notification.notification_id);
      if (record !== undefined) this.deliver(notification, record);
    }
  }

  notify(kind: NotificationKind, key: string, details: Record<string, unknown>): void {
    const id = `${this.resource.type}:${this.resource.id}:${kind}:${key}`;
    if (this.sent.some((record) => record.id === id)) return;
    const record: NotificationRecord = { id, kind, at: new Date().toISOString(), delivered: false };
    this.sent.push(record);
    this.deliver(
      { schema: NOTIFICATION_SCHEMA, notification_id: id, kind, resource: this.resource, occurred_at: record.at, details },
      record,
    );
  }

  private deliver(notification: Notification, record: NotificationRecord): void {
    this.inFlight.set(notification.notification_id, notification);
    void notifyProvider(notification)
      .then(
        (result) => {
          record.delivered = result.delivered;
        },
        (error: unknown) => {
          record.undelivered = true;
          log.warn('provider notification abandoned', {
            id: record.id,
            kind: record.kind,
            error: error instanceof Error ? error.name : 'unknown',
          });
        },
      )
      .finally(() => this.inFlight.delete(notification.notification_id));
  }

  get settled(): boolean {
    return this.inFlight.size === 0;
  }

  /** The notifications still being delivered, for the next run to send again. */
  get outbox(): Notification[] {
    return [...this.inFlight.values()];
  }

  get undelivered(): boolean {
    return this.sent.some((record) => record.undelivered === true);
  }

  get records(): readonly NotificationRecord[] {
    return this.sent;
  }
}
