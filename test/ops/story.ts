// The discrepancy story, with fresh ids so suites and tests never share an entity:
// an authorization created for 30 units, updated to authorize 20, then a dispensation of 30.
import type { Client } from '@temporalio/client';
import { queryEntityState } from '../../src/ops/entity-state';
import { summarizeEntity, type EntitySummary } from '../../src/ops/summaries';
import { deliver, fixtureEvent } from '../support/delivery';
import { waitFor } from '../support/wait-for';

export type Event = Record<string, unknown> & { event_id: string; event_type: string; created_at: string; data: Record<string, unknown> };

/** A fixture with a fresh event id (fixtureEvent) and these fields of `data` replaced. */
export function storyEvent(type: string, data: Record<string, unknown>, top: Record<string, unknown> = {}): Event {
  const base = fixtureEvent(type) as Event;
  return fixtureEvent(type, { data: { ...base.data, ...data }, ...top }) as Event;
}

let counter = 0;
function suffix(): string {
  counter += 1;
  return `${process.pid.toString(36)}${Date.now().toString(36)}${counter}`.toUpperCase();
}

export interface Story {
  authorizationId: string;
  authorizationCode: string;
  authorizationRequestId: string;
  dispensationId: string;
  created: Event;
  updated: Event;
  completed: Event;
}

export function discrepancyStory(): Story {
  const id = suffix();
  const authorizationId = `auth_OPS${id}`;
  const authorizationCode = `AUTH-OPS-${id}`;
  const authorizationRequestId = `areq_OPS${id}`;
  const dispensationId = `dsp_OPS${id}`;
  const ids = {
    authorization_id: authorizationId,
    authorization_code: authorizationCode,
    authorization_request_id: authorizationRequestId,
  };
  return {
    authorizationId,
    authorizationCode,
    authorizationRequestId,
    dispensationId,
    created: storyEvent('authorization.created', ids),
    // authorized_quantity 20 (the fixture's), against 30 dispensed below
    updated: storyEvent('authorization.updated', ids),
    completed: storyEvent('dispensing.completed', {
      dispensation_id: dispensationId,
      code: authorizationCode,
      authorization_id: authorizationId,
      claim_id: `clm_OPS${id}`,
      products: [{ product_code: 'MED-042', quantity: 30, unit_price: 12.5 }],
      total_amount: 375,
    }),
  };
}

/** The shared poller, under the name these tests use. */
export const eventually = waitFor;

/** Delivers one event, signed, and waits for its event workflow to finish. */
export async function deliverAndSettle(url: string, client: Client, event: Event): Promise<void> {
  const response = await deliver(url, JSON.stringify(event));
  if (response.status !== 200) throw new Error(`delivery of ${event.event_type} answered ${response.status}: ${await response.text()}`);
  await client.workflow.getHandle(event.event_id).result();
}

export async function entitySummary(client: Client, kind: EntitySummary['kind'], resourceId: string): Promise<EntitySummary | undefined> {
  const view = await queryEntityState(client, `${kind}:${resourceId}`);
  return view === undefined ? undefined : summarizeEntity(kind, resourceId, view);
}

/**
 * The whole story through the receiver, `updated` first (Osigu's order is best-effort), each
 * entity awaited, until the dispensation shows its open discrepancy.
 */
export async function playDiscrepancyStory(url: string, client: Client, story: Story = discrepancyStory()): Promise<Story> {
  await deliverAndSettle(url, client, story.updated);
  await deliverAndSettle(url, client, story.created);
  await eventually('the authorization entity to apply both events', async () => {
    const state = await entitySummary(client, 'authorization', story.authorizationId);
    return state !== undefined && state.eventIds.length === 2 ? state : undefined;
  });
  await deliverAndSettle(url, client, story.completed);
  await eventually('the dispensation to show its discrepancy', async () => {
    const state = await entitySummary(client, 'dispensation', story.dispensationId);
    return state?.flags.includes('discrepancy') === true ? state : undefined;
  });
  return story;
}
