import type { Middleware } from 'koa';
import { readJsonBody } from '../request-body';
import type { SubscriptionStore } from '../subscriptions';

export const SUBSCRIPTIONS_PATH = '/webhooks/v1/subscriptions';

export function createSubscription(store: SubscriptionStore): Middleware {
  return async (ctx) => {
    const subscription = store.create(await readJsonBody(ctx));
    ctx.status = 201;
    ctx.body = subscription;
  };
}

/** `{data: [...]}`: the list shape is unpublished, so this one is assumed like the create answer. */
export function listSubscriptions(store: SubscriptionStore): Middleware {
  return (ctx) => {
    ctx.body = { data: store.list() };
  };
}
