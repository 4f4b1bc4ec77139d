import type { Middleware } from 'koa';
import type { EventStarter } from '../temporal/event-starter';
import type { ReceiverMetrics } from './metrics';
import { Rejection } from './rejection';

/*
 * Load shedding: two counting bounds, checked without waiting. Over either, the delivery is
 * answered 503 overloaded at once (Osigu retries every 5xx), instead of queueing work that would
 * hold memory and then time out anyway.
 *
 * - Requests: checked as soon as the router has matched POST on the webhook path, before the body
 *   is read. Bodies are therefore only ever buffered by admitted requests, so what the receiver
 *   holds in bodies is at most MAX_IN_FLIGHT × WEBHOOK_BODY_LIMIT.
 * - Workflow starts: checked just before the start call, so a slow Temporal sees at most
 *   MAX_CONCURRENT_STARTS calls from one receiver.
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

/**
 * Route middleware for the webhook: admits the request or refuses it before its body is read. A
 * refused request's connection is closed after the answer, so Node does not read and discard the
 * body it never wanted.
 */
export function shedRequests(limit: ConcurrencyLimit, metrics: ReceiverMetrics): Middleware {
  return async (ctx, next) => {
    const release = limit.tryAcquire();
    if (release === undefined) {
      metrics.recordShed('requests');
      ctx.set('Connection', 'close');
      throw new Rejection('overloaded', `${limit.active} deliveries in flight, limit ${limit.max}`);
    }
    metrics.requestStarted();
    try {
      await next();
    } finally {
      release();
      metrics.requestFinished();
    }
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

/** Concurrent deliveries admitted by default: 256 × the 1 MiB body limit bounds buffered bodies to 256 MiB. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Concurrent workflow start calls by default, per receiver. */
export const DEFAULT_MAX_CONCURRENT_STARTS = 128;
