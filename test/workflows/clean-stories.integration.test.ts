import { deliver, storyEvent } from '../support/delivery';
import { useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

// The design card's headline: clean dispensations must never be flagged, however the deliveries
// interleave. Each story is `authorization.created` → `dispensing.started` → `dispensing.completed`
// within the authorized quantity, over signed HTTP to the real receiver, worker and Temporal.

const stack = useStack({ worker: true, workerEnv: { ENTITY_QUIET_PERIOD: '1h' }, receiver: true, client: true });
let url: string;

beforeAll(() => {
  url = `${stack.receiver.origin}/osigu/webhooks`;
});

let sequence = 0;
function cleanStory(): { dispensationId: string; events: Record<string, unknown>[] } {
  sequence += 1;
  const n = `${Date.now().toString(36)}${sequence}`.toUpperCase();
  const authorizationId = `auth_C${n}`;
  const code = `AUTH-C-${n}`;
  const dispensationId = `dsp_C${n}`;
  const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 25, 14, 0) + minutes * 60_000).toISOString();
  const dispensing = { dispensation_id: dispensationId, code, code_type: 'AUTHORIZATION', authorization_id: authorizationId };
  return {
    dispensationId,
    events: [
      storyEvent(
        'authorization.created',
        {
          authorization_id: authorizationId,
          authorization_code: code,
          expires_at: '2030-01-01T00:00:00Z',
          products: [{ product_code: 'MED-042', quantity: 30 }],
        },
        { created_at: at(0) },
      ),
      storyEvent(
        'dispensing.started',
        { ...dispensing, products: [{ product_code: 'MED-042', quantity: 20 }], started_at: at(5) },
        { created_at: at(5) },
      ),
      storyEvent(
        'dispensing.completed',
        { ...dispensing, products: [{ product_code: 'MED-042', quantity: 20, unit_price: 12.5 }], total_amount: 250, completed_at: at(6) },
        { created_at: at(6) },
      ),
    ],
  };
}

async function send(event: Record<string, unknown>): Promise<void> {
  const response = await deliver(url, JSON.stringify(event));
  expect(response.status).toBe(200);
}

interface Verdict {
  reconciliation?: { result: string; discrepancies?: { rule: string }[] };
  flags: string[];
}

async function verdicts(dispensationIds: string[]): Promise<Map<string, Verdict>> {
  const found = new Map<string, Verdict>();
  await waitFor(
    'every dispensation reconciled',
    async () => {
      for (const id of dispensationIds) {
        if (found.get(id)?.reconciliation !== undefined) continue;
        try {
          const view = await stack.client.workflow.getHandle(`dispensation:${id}`).query<Verdict>('state');
          if (view.reconciliation !== undefined) found.set(id, view);
        } catch {
          // not started yet
        }
      }
      return found.size === dispensationIds.length ? true : undefined;
    },
    90_000,
  );
  // A verdict may still be corrected once the authorization's picture reaches it: let it settle.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  for (const id of dispensationIds) found.set(id, await stack.client.workflow.getHandle(`dispensation:${id}`).query<Verdict>('state'));
  return found;
}

function discrepanciesOf(found: Map<string, Verdict>): string[] {
  return [...found.entries()]
    .filter(([, view]) => view.reconciliation?.result !== 'reconciled')
    .map(([id, view]) => `${id}: ${JSON.stringify(view.reconciliation)}`);
}

describe('clean stories over signed HTTP', () => {
  it('20 stories delivered in order, each acknowledged before the next: zero discrepancies', async () => {
    const stories = Array.from({ length: 20 }, cleanStory);
    for (const story of stories) for (const event of story.events) await send(event);
    const found = await verdicts(stories.map((story) => story.dispensationId));
    expect(discrepanciesOf(found)).toEqual([]);
  }, 150_000);

  it('20 stories with their deliveries racing (every event of every story at once): zero discrepancies', async () => {
    const stories = Array.from({ length: 20 }, cleanStory);
    await Promise.all(stories.flatMap((story) => story.events.map((event) => send(event))));
    const found = await verdicts(stories.map((story) => story.dispensationId));
    expect(discrepanciesOf(found)).toEqual([]);
  }, 150_000);
});
