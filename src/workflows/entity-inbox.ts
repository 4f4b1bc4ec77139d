import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { byCreatedAt, type AppliedEvent } from '../domain/applied-event';

/**
 * The events one entity has applied, deduplicated by event id (an activity retry or a
 * redelivery under a new workflow may hand the same event twice) and kept in `created_at` order.
 */
export class EntityInbox {
  private readonly applied: AppliedEvent[];
  private readonly seen: Set<string>;
  private pending: AppliedEvent[] = [];
  duplicates = 0;

  constructor(carried: readonly AppliedEvent[] = []) {
    this.applied = [...carried].sort(byCreatedAt);
    this.seen = new Set(this.applied.map((event) => event.eventId));
  }

  readonly receive = (event: AppliedEvent): void => {
    this.pending.push(event);
  };

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Moves what arrived into the log; answers how many events were new. */
  drain(): number {
    let added = 0;
    for (const event of this.pending) {
      if (this.seen.has(event.eventId)) {
        this.duplicates += 1;
        continue;
      }
      this.seen.add(event.eventId);
      this.applied.push(event);
      added += 1;
    }
    this.pending = [];
    if (added > 0) this.applied.sort(byCreatedAt);
    return added;
  }

  get events(): readonly AppliedEvent[] {
    return this.applied;
  }
}

/** Waits for `ready` or until `wakeAt` (epoch ms, workflow time); no `wakeAt` waits for `ready` alone. */
export async function waitUntil(ready: () => boolean, wakeAt: number | undefined): Promise<void> {
  if (wakeAt === undefined) {
    await condition(ready);
    return;
  }
  await condition(ready, Math.max(1, wakeAt - Date.now()));
}

/**
 * Histories stay small: past Temporal's suggestion (or `maxEvents` history events) the entity
 * starts afresh with its memory as input. Handlers finish first so no signal or update is dropped.
 */
export async function historyIsLarge(maxEvents: number): Promise<boolean> {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength < maxEvents) return false;
  await condition(allHandlersFinished);
  return true;
}
