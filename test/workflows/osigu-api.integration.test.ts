import type { OsiguApi } from '../../simulator/api/server';
import type { StateEvent } from '../../simulator/api/state';
import type { DispensationView } from '../../src/workflows/dispensation-entity';
import { CLIENT, startTestApi } from '../simulator/api/harness';
import { deliver, fixtureEvent, storyEvent } from '../support/delivery';
import { useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

// Osigu itself is the one thing out of reach: the stand-in API plays it, over real HTTP.
let api: OsiguApi;
const stack = useStack({
  before: async (defer) => {
    api = await startTestApi();
    defer(() => api.close());
  },
  worker: true,
  workerEnv: () => ({
    OSIGU_API_BASE_URL: api.origin,
    OSIGU_CLIENT_ID: CLIENT.clientId,
    OSIGU_CLIENT_SECRET: CLIENT.clientSecret,
    DISPENSATION_STALE_AFTER: '1s',
  }),
  receiver: true,
  client: true,
});

let sequence = 0;
function ids() {
  sequence += 1;
  const n = `${Date.now().toString(36)}${sequence}`.toUpperCase();
  return { authorizationId: `auth_API${n}`, code: `AUTH-API-${n}`, dispensationId: `dsp_API${n}` };
}

/** Tell the stand-in API what Osigu knows, as if it had sent this event. */
function osiguRecords(event: Record<string, unknown>): void {
  api.state.apply(event as unknown as StateEvent);
}

/** What Osigu knows: an authorization (never delivered to us) and a completed dispensation. */
function osiguKnows(story: ReturnType<typeof ids>, quantity: number): { started: Record<string, unknown> } {
  const authorization = {
    authorization_id: story.authorizationId,
    authorization_code: story.code,
    products: [{ product_code: 'MED-042', quantity: 30 }],
  };
  osiguRecords(storyEvent('authorization.created', authorization));
  const dispensation = { dispensation_id: story.dispensationId, code: story.code, authorization_id: story.authorizationId };
  osiguRecords(
    storyEvent('dispensing.completed', {
      ...dispensation,
      products: [{ product_code: 'MED-042', quantity, unit_price: 12.5 }],
      total_amount: quantity * 12.5,
    }),
  );
  return { started: storyEvent('dispensing.started', { ...dispensation, products: [{ product_code: 'MED-042', quantity }] }) };
}

const dispensationState = (id: string) => stack.client.workflow.getHandle(`dispensation:${id}`).query<DispensationView>('state');

it('a dispensation left STARTED is looked up in the API, and reconciled against an authorization only Osigu knew', async () => {
  const story = ids();
  const { started } = osiguKnows(story, 10);
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(started))).status).toBe(200);

  const view = await waitFor('completion found in the API', async () => {
    const current = await dispensationState(story.dispensationId);
    return current.reconciliation !== undefined ? current : undefined;
  });
  expect(view.dispensation.status).toBe('COMPLETED');
  expect(view.eventIds).toContain('osigu-api:COMPLETED');
  expect(view.authorizationSource).toBe('osigu_api');
  expect(view.reconciliation).toEqual({ result: 'reconciled' });
});

it('a STARTED that Osigu also has as STARTED is flagged stale', async () => {
  const event = fixtureEvent('dispensing.started');
  const dispensationId = `dsp_STALE${Date.now().toString(36).toUpperCase()}`;
  const started = { ...event, data: { ...(event.data as Record<string, unknown>), dispensation_id: dispensationId } };
  osiguRecords(started);
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(started))).status).toBe(200);
  const view = await waitFor('stale flag', async () => {
    const current = await dispensationState(dispensationId);
    return current.flags.includes('stale_started') ? current : undefined;
  });
  expect(view.dispensation.status).toBe('STARTED');
});

it('concurrent activities share one token, and 503s from the API are retried through', async () => {
  api.faults.set({ serverError5xx: { count: 3, status: 503, scope: 'api' } });
  const stories = Array.from({ length: 8 }, () => ids());
  const starts = stories.map((story) => osiguKnows(story, 5).started);
  await Promise.all(
    starts.map(async (started) =>
      expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(started))).status).toBe(200),
    ),
  );

  for (const story of stories) {
    await waitFor(`${story.dispensationId} reconciled`, async () =>
      (await dispensationState(story.dispensationId)).reconciliation?.result === 'reconciled' ? true : undefined,
    );
  }
  const served = api.requests.snapshot().routes['GET /dispensing/v1/dispensations/:id']?.statuses ?? {};
  expect(served['503']).toBe(3);
  // One token for the worker's whole life: every activity in this file shared it.
  expect(api.tokenRequests()).toBe(1);
}, 90_000);
