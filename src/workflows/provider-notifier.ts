import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NOTIFICATION_SCHEMA, type Notification, type NotificationKind, type NotificationRecord } from '../domain/notification';

const { notifyProvider } = proxyActivities<Activities>({
  // The POST itself gives up after 10 s; a little more covers signing and a slow start.
  startToCloseTimeout: '15 seconds',
  // The provider's system may be down for a while: keep trying for Osigu's own horizon.
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Tells the provider about an outcome at most once per notification id, even across
 * continue-as-new. Deliveries run beside the entity's loop, so a provider that is down never
 * holds up the next Osigu event; `settled()` waits for them before the workflow moves on.
 */
export class ProviderNotifications {
  private readonly sent: NotificationRecord[];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    carried: readonly NotificationRecord[],
    private readonly resource: Notification['resource'],
  ) {
    this.sent = [...carried];
  }

  notify(kind: NotificationKind, discriminator: string, details: Record<string, unknown>): void {
    const id = `${this.resource.type}:${this.resource.id}:${kind}:${discriminator}`;
    if (this.sent.some((record) => record.id === id)) return;
    const record: NotificationRecord = { id, kind, at: new Date().toISOString(), delivered: false };
    this.sent.push(record);
    const notification: Notification = {
      schema: NOTIFICATION_SCHEMA,
      notification_id: id,
      kind,
      resource: this.resource,
      occurred_at: record.at,
      details,
    };
    const delivery = notifyProvider(notification).then(
      (result) => {
        record.delivered = result.delivered;
      },
      (error: unknown) => {
        log.warn('provider notification failed', { id, kind, error: error instanceof Error ? error.message : String(error) });
      },
    );
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  get records(): readonly NotificationRecord[] {
    return this.sent;
  }
}
