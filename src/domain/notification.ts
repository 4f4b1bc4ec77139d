/**
 * What this receiver tells the provider's own system: a small, versioned schema. Ids, statuses,
 * amounts and rule names only; the provider looks up anything else (PHI) in its own records.
 * `notification_id` is stable for one outcome, so a retried delivery can be recognised and dropped.
 */
export const NOTIFICATION_SCHEMA = 'osigu-webhooks.notification/v1';

export type NotificationKind =
  | 'authorization.decided'
  | 'authorization.voided'
  | 'authorization.expired_unused'
  | 'dispensation.reconciled'
  | 'dispensation.discrepancy'
  | 'dispensation.discrepancy_escalated'
  | 'dispensation.discrepancy_resolved'
  | 'dispensation.stale'
  | 'dispensation.lookup_failed'
  | 'prescription.email_failed'
  | 'prescription.delivery_outcome_missing'
  | 'settlement.outcome';

export interface Notification {
  schema: typeof NOTIFICATION_SCHEMA;
  notification_id: string;
  kind: NotificationKind;
  resource: { type: 'authorization' | 'dispensation' | 'prescription' | 'settlement'; id: string };
  occurred_at: string;
  details: Record<string, unknown>;
}

/** What an entity remembers of a notification it sent (or only recorded, with no URL configured). */
export interface NotificationRecord {
  id: string;
  kind: NotificationKind;
  at: string;
  delivered: boolean;
  /** The delivery gave up (after its whole retry horizon): flagged `notification_undelivered`. */
  undelivered?: boolean;
}
