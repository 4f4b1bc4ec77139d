import type { EventStarter } from '../temporal/event-starter';
import type { ReceiverMetrics } from './metrics';
import { Rejection } from './rejection';

/*
 * Load shedding: counting bounds, checked without waiting. Over any, the delivery is answered 503
 * overloaded at once with Connection: close (Osigu retries every 5xx), instead of queueing work
 * that would hold memory and then time out anyway.
 *
 * - Body reads (MAX_BODY_READS, and MAX_BODY_READS_PER_ADDRESS for one client address): checked
 *   once the signature header has passed its bodiless checks, before the body is read. Nobody
 *   has proved anything yet, which is why one address may hold only its share: strangers
 *   trickling bodies from one place cannot take the slots Osigu's deliveries need.
 * - Verified deliveries (MAX_IN_FLIGHT): taken once the signature has been verified, held while
 *   the workflow start runs. Only callers holding the secret ever get one.
 * - Workflow starts: checked just before the start call, so a slow Temporal sees at most
 *   MAX_CONCURRENT_STARTS calls from one receiver.
 *
 * Buffered bodies are therefore at most (MAX_BODY_READS + MAX_IN_FLIGHT) × WEBHOOK_BODY_LIMIT.
 */

export interface ConcurrencyLimit {
  readonly max: number;
  readonly active: number;
  /** A release function when there is room (call it exactly once), undefined when full. */
  tryAcquire(): (() => void) | undefined;
}

export function concurrencyLimit(max: number): ConcurrencyLimit {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`a concurrency limit must be a positive integer, not ${max}`);
  let active = 0;
  return {
    max,
    get active() {
      return active;
    },
    tryAcquire() {
      if (active >= max) return undefined;
      active += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        active -= 1;
      };
    },
  };
}

export type ShareRefusal = { refused: 'total' | 'address'; active: number; max: number };

/** `total` slots in all, of which one address may hold at most `perAddress`. */
export interface AddressShare {
  readonly max: number;
  readonly perAddress: number;
  readonly active: number;
  /** A release function (call it exactly once), or why there is no room. */
  tryAcquire(address: string): (() => void) | ShareRefusal;
}

export function addressShare(total: number, perAddress: number): AddressShare {
  const all = concurrencyLimit(total);
  if (!Number.isSafeInteger(perAddress) || perAddress < 1)
    throw new RangeError(`a per-address share must be a positive integer, not ${perAddress}`);
  // Only addresses holding a slot are kept, so the map is bounded by `total`.
  const held = new Map<string, number>();
  return {
    max: total,
    perAddress,
    get active() {
      return all.active;
    },
    tryAcquire(address) {
      const mine = held.get(address) ?? 0;
      if (mine >= perAddress) return { refused: 'address', active: mine, max: perAddress };
      const releaseAll = all.tryAcquire();
      if (releaseAll === undefined) return { refused: 'total', active: all.active, max: total };
      held.set(address, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        releaseAll();
        const left = (held.get(address) ?? 1) - 1;
        if (left <= 0) held.delete(address);
        else held.set(address, left);
      };
    },
  };
}

/** The starter, refusing with 503 overloaded while `limit` starts are already in progress. */
export function shedStarts(starter: EventStarter, limit: ConcurrencyLimit, metrics: ReceiverMetrics): EventStarter {
  return async (event, route, receivedAt) => {
    const release = limit.tryAcquire();
    if (release === undefined) {
      metrics.recordShed('workflow_starts');
      throw new Rejection('overloaded', `${limit.active} workflow starts in flight, limit ${limit.max}`);
    }
    try {
      return await starter(event, route, receivedAt);
    } finally {
      release();
    }
  };
}

/** Verified deliveries at once by default (each holds its body while the start runs). */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Bodies being read at once by default, and the share of one client address. */
export const DEFAULT_MAX_BODY_READS = 256;
export const DEFAULT_MAX_BODY_READS_PER_ADDRESS = 32;
/** How long a body may take to arrive once its headers have: Osigu sends small JSON in one burst. */
export const DEFAULT_BODY_TIMEOUT_MS = 3_000;
/** Concurrent workflow start calls by default, per receiver. */
export const DEFAULT_MAX_CONCURRENT_STARTS = 128;
