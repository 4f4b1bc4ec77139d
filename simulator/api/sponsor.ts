import type { Logger } from 'pino';
import type { OsiguEvent } from '../../src/osigu/envelope';
import type { Emit } from './emit';
import { osiguEvent, type EventOrigin } from './event-envelope';
import { newId } from './ids';
import type { Resource } from './resource-table';
import type { SponsorDecision, SponsorRule } from './sponsor-decision';
import type { OsiguState } from './state';
import type { SubscriptionStore } from './subscriptions';

export interface AuthorizationRequestInput {
  beneficiary_id: string;
  sponsor_slug: string;
  product_type: string;
  products: Resource[];
  [field: string]: unknown;
}

export interface MockSponsorOptions {
  state: OsiguState;
  subscriptions: SubscriptionStore;
  emit: Emit;
  rule: SponsorRule;
  /** Already time-scaled. */
  decisionDelayMs: number;
  origin: EventOrigin;
  now: () => number;
  logger: Logger;
}

const AUTHORIZATION_VALIDITY_MS = 30 * 24 * 3600 * 1000;

/**
 * Osigu's asynchronous sandbox sponsor: a request is PENDING_SPONSOR at once, and the decision
 * comes later as an `authorization.created` or `authorization.rejected` event to every matching
 * subscription, with the state updated first so a receiver that calls back reads the outcome.
 */
export class MockSponsor {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: MockSponsorOptions) {}

  submit(input: AuthorizationRequestInput): Resource {
    const { state, now, rule, decisionDelayMs } = this.options;
    const nowMs = now();
    // The stand-in's own steering field is not part of the resource.
    const request: Record<string, unknown> = { ...input };
    delete request.sandbox_decision;
    const id = newId('areq', nowMs);
    state.authorizationRequests.put({
      ...request,
      authorization_request_id: id,
      status: 'PENDING_SPONSOR',
      created_at: new Date(nowMs).toISOString(),
    });
    // Decided now, sent later: with a seeded rule the outcomes follow the order of submission.
    const decision = rule(input);

    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.decide(id, input, decision).then(resolve, resolve);
      }, decisionDelayMs);
      // A pending decision must not keep a test process or a stopping CLI alive.
      timer.unref();
      this.timers.set(timer, resolve);
    });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));

    return state.authorizationRequest(id) ?? {};
  }

  /** Resolves once every decision submitted so far has been made and handed to `emit`. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Drops the decisions not yet made (on reset and close). */
  cancel(): void {
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
  }

  private async decide(requestId: string, input: AuthorizationRequestInput, decision: SponsorDecision): Promise<void> {
    const { state, subscriptions, emit, logger } = this.options;
    const event = this.decisionEvent(requestId, input, decision);
    state.apply(event);
    const facts = { event_id: event.event_id, event_type: event.event_type };
    await Promise.all(
      subscriptions.matching(event.event_type).map(async (subscription) => {
        try {
          await emit(event, subscription);
          logger.info({ ...facts, subscription_id: subscription.subscription_id }, 'event emitted');
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          logger.warn(
            { ...facts, subscription_id: subscription.subscription_id, code: typeof code === 'string' ? code : 'emit_failed' },
            'event not delivered',
          );
        }
      }),
    );
  }

  private decisionEvent(requestId: string, input: AuthorizationRequestInput, decision: SponsorDecision): OsiguEvent {
    const { now, origin } = this.options;
    const nowMs = now();
    this.sequence += 1;
    const year = new Date(nowMs).getUTCFullYear();
    const common = {
      authorization_request_id: requestId,
      beneficiary_id: input.beneficiary_id,
      sponsor_slug: input.sponsor_slug,
      product_type: input.product_type,
      products: input.products,
      sponsor_reference: `SPX-${year}-${String(this.sequence).padStart(4, '0')}`,
    };
    if (decision.outcome === 'REJECTED') {
      return osiguEvent('authorization.rejected', { ...common, rejection_reason: decision.reason }, origin, nowMs);
    }
    return osiguEvent(
      'authorization.created',
      {
        authorization_id: newId('auth', nowMs),
        authorization_code: `AUTH-${year}-${String(this.sequence).padStart(6, '0')}`,
        ...common,
        expires_at: new Date(nowMs + AUTHORIZATION_VALIDITY_MS).toISOString(),
        additional_data: {},
      },
      origin,
      nowMs,
    );
  }
}
