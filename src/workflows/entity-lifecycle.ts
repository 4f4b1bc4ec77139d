import { upsertSearchAttributes } from '@temporalio/workflow';
import { OSIGU_FLAGS, OSIGU_STATE } from '../temporal/search-attributes';
import { historyIsLarge, type EntityInbox } from './entity-inbox';
import type { ProviderNotifications } from './provider-notifier';

/**
 * What operators filter on in the Web UI: the resource's status and what needs a person. Written
 * only when it changes: each write is a command, a history event and a visibility update.
 */
export function statePublisher(): (status: string, flags: string[]) => void {
  let published: string | undefined;
  return (status, flags) => {
    const next = JSON.stringify([status, flags]);
    if (next === published) return;
    published = next;
    upsertSearchAttributes([
      { key: OSIGU_STATE, value: status },
      { key: OSIGU_FLAGS, value: flags },
    ]);
  };
}

export interface TurnOptions {
  /** The resource will not change any more by itself. */
  final: boolean;
  /** Until when a final resource waits for late events before its workflow ends. */
  quietUntil: number;
  inbox: EntityInbox;
  notifications: ProviderNotifications;
  /** Continues as new with the entity's memory; called after the inbox took in every late event. */
  continueWith: () => Promise<never>;
  /** History events after which the entity continues as new (Temporal may suggest it sooner). */
  maxHistoryEvents: number;
}

/**
 * Where every entity's loop turns: true when the resource is final and has been quiet long
 * enough to end. Otherwise, when the history has grown large, the entity continues as new (and
 * this never returns). Notifications in flight are delivered first in both cases.
 */
export async function timeToEnd({ final, quietUntil, inbox, notifications, continueWith, maxHistoryEvents }: TurnOptions): Promise<boolean> {
  if (final && !inbox.hasPending && quietUntil <= Date.now()) {
    await notifications.settled();
    return true;
  }
  if (await historyIsLarge(maxHistoryEvents)) {
    await notifications.settled();
    inbox.drain();
    await continueWith();
  }
  return false;
}
