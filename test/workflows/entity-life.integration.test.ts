import type { EventRecord } from '../../src/workflows/event-input';
import { listParked } from '../../src/ops/parked';
import { rerunEvent } from '../../src/ops/rerun';
import { authorizationChangedSignal, resolveDiscrepancyUpdate } from '../../src/workflows/messages';
import type { DispensationView, SettlementView } from '../../src/workflows/views';
import { deliver, storyEvent } from '../support/delivery';
import { startProviderServer, type ProviderServer } from '../support/provider-server';
import { runsOf, TASK_QUEUE, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';
import { startRefusingApi, type RefusingApi } from './refusing-api';

// The defects of issue 10, each over signed HTTP to the real receiver, worker and Temporal; only
// Osigu's API (answering 403, a malformed 200, or a status that is no approval) and the
// provider's system are stand-ins, as real local HTTP servers. Entities here end 3 s after
// their last event, so "after the entity ended" is reached quickly.

const PROVIDER_SECRET = 'whsec_provider_test';
let provider: ProviderServer;
let api: RefusingApi;
const stack = useStack({
  before: async (defer) => {
    provider = await startProviderServer(PROVIDER_SECRET);
    defer(() => provider.close());
    api = await startRefusingApi('forbidden');
    defer(() => api.close());
  },
  worker: true,
  workerEnv: () => ({
    PROVIDER_WEBHOOK_URL: provider.url,
    PROVIDER_WEBHOOK_SECRET: PROVIDER_SECRET,
    OSIGU_API_BASE_URL: api.origin,
    OSIGU_CLIENT_ID: 'entity-test',
    OSIGU_CLIENT_SECRET: 'entity_test_secret_0123',
    DISPENSATION_STALE_AFTER: '1s',
    ENTITY_QUIET_PERIOD: '3s',
    LOOKUP_RETRY_AFTER: '1h',
  }),
  receiver: true,
  client: true,
});
let url: string;

beforeAll(() => {
  url = `${stack.receiver.origin}/osigu/webhooks`;
});

let sequence = 0;
function freshIds() {
  sequence += 1;
  const n = `${Date.now().toString(36)}${sequence}`.toUpperCase();
  return {
    authorizationId: `auth_L${n}`,
    code: `AUTH-L-${n}`,
    dispensationId: `dsp_L${n}`,
    otherDispensationId: `dsp_M${n}`,
    settlementId: `stl_L${n}`,
  };
}
type Ids = ReturnType<typeof freshIds>;

const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 25, 14, 0) + minutes * 60_000).toISOString();

async function send(event: Record<string, unknown>): Promise<void> {
  const response = await deliver(url, JSON.stringify(event));
  expect(response.status).toBe(200);
}

const created = (ids: Ids, quantity = 30) =>
  storyEvent(
    'authorization.created',
    {
      authorization_id: ids.authorizationId,
      authorization_code: ids.code,
      expires_at: '2030-01-01T00:00:00Z',
      products: [{ product_code: 'MED-042', quantity }],
    },
    { created_at: at(0) },
  );

function dispensing(
  ids: Ids,
  type: 'dispensing.started' | 'dispensing.completed' | 'dispensing.cancelled',
  minutes: number,
  quantity = 20,
  dispensationId = ids.dispensationId,
) {
  const products =
    type === 'dispensing.completed'
      ? { products: [{ product_code: 'MED-042', quantity, unit_price: 12.5 }], total_amount: quantity * 12.5, completed_at: at(minutes) }
      : {};
  const started = type === 'dispensing.started' ? { products: [{ product_code: 'MED-042', quantity }], started_at: at(minutes) } : {};
  const cancelled = type === 'dispensing.cancelled' ? { cancelled_at: at(minutes) } : {};
  return storyEvent(
    type,
    {
      dispensation_id: dispensationId,
      code: ids.code,
      code_type: 'AUTHORIZATION',
      authorization_id: ids.authorizationId,
      ...started,
      ...products,
      ...cancelled,
    },
    { created_at: at(minutes) },
  );
}

const dispensationState = (id: string) => stack.client.workflow.getHandle(`dispensation:${id}`).query<DispensationView>('state');
const statusOf = async (workflowId: string) => (await stack.client.workflow.getHandle(workflowId).describe()).status.name;
/** How many authorizationChanged signals an entity's current run has received. */
async function authorizationSignals(workflowId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (event) => event.workflowExecutionSignaledEventAttributes?.signalName === authorizationChangedSignal.name,
  ).length;
}

const notificationsOf = (resourceId: string, kind?: string) =>
  provider.received.filter((received) => received.body.resource.id === resourceId && (kind === undefined || received.body.kind === kind));

describe('an entity never fails', () => {
  it('Osigu API 403 for a stale lookup: the dispensation is flagged lookup_failed, told once, and keeps running', async () => {
    api.answer = 'forbidden';
    const ids = freshIds();
    await send(dispensing(ids, 'dispensing.started', 5));
    const view = await waitFor('lookup_failed', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.flags.includes('lookup_failed') ? current : undefined;
    });
    expect(view.lookupFailure).toMatchObject({ lookup: 'stale', failureType: 'OsiguForbidden' });
    expect(await statusOf(`dispensation:${ids.dispensationId}`)).toBe('RUNNING');
    await waitFor('lookup_failed notification', () =>
      notificationsOf(ids.dispensationId, 'dispensation.lookup_failed').length === 1 ? true : undefined,
    );

    // The dispensation goes on: its completion is reconciled as usual.
    await send(created(ids));
    await send(dispensing(ids, 'dispensing.completed', 10));
    const done = await waitFor('reconciled', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.reconciliation !== undefined ? current : undefined;
    });
    expect(done.reconciliation).toEqual({ result: 'reconciled' });
    expect(done.flags).toEqual([]);
  });

  it('a malformed 200 from the API fallback: authorization_unknown flagged lookup_failed, never a failed workflow', async () => {
    api.answer = 'malformed';
    const ids = freshIds();
    await send(dispensing(ids, 'dispensing.completed', 10));
    const view = await waitFor('lookup_failed', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.flags.includes('lookup_failed') ? current : undefined;
    });
    expect(view.reconciliation).toMatchObject({ result: 'discrepancy', discrepancies: [{ rule: 'authorization_unknown' }] });
    expect(view.lookupFailure).toMatchObject({ failureType: 'OsiguInvalidResponse' });
    expect(await statusOf(`dispensation:${ids.dispensationId}`)).toBe('RUNNING');

    // The authorization's own events correct it, and the failed lookup no longer matters.
    await send(created(ids));
    const corrected = await waitFor('corrected', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.reconciliation?.result === 'reconciled' ? current : undefined;
    });
    expect(corrected.flags).toEqual([]);
  });

  it("Osigu's statuses map one by one: PENDING_REVIEW is not an approval", async () => {
    api.answer = 'pending_review';
    const ids = freshIds();
    await send(dispensing(ids, 'dispensing.completed', 10));
    const view = await waitFor('verdict', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.reconciliation !== undefined ? current : undefined;
    });
    expect(view.authorizationSource).toBe('osigu_api');
    expect(view.reconciliation).toMatchObject({
      result: 'discrepancy',
      discrepancies: [{ rule: 'authorization_not_approved', status: 'PENDING_REVIEW' }],
    });
  });
});

describe('no event is dropped or forgotten', () => {
  it('events for a resource after its entity ended continue its memory: a late cancellation is cancelled_after_completion', async () => {
    api.answer = 'not_found';
    const ids = freshIds();
    await send(created(ids));
    await send(dispensing(ids, 'dispensing.completed', 10));
    await waitFor('reconciled', async () =>
      (await dispensationState(ids.dispensationId)).reconciliation?.result === 'reconciled' ? true : undefined,
    );
    await waitFor('dispensation ended', async () =>
      (await statusOf(`dispensation:${ids.dispensationId}`)) === 'COMPLETED' ? true : undefined,
    );

    await send(dispensing(ids, 'dispensing.cancelled', 90));
    // The cancellation changes what was registered with the authorization, so the verdict waits
    // for that registration: until it is back the view still shows the verdict before it.
    const view = await waitFor('late cancellation judged', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.dispensation.status === 'CANCELLED' && current.reconciliation?.result === 'discrepancy' ? current : undefined;
    });
    expect(view.eventIds).toHaveLength(2);
    expect(view.reconciliation).toMatchObject({ result: 'discrepancy', discrepancies: [{ rule: 'cancelled_after_completion' }] });
    expect(view.flags).toEqual(['discrepancy']);
    // Notification ids stay unique per content across runs: the verdict after the end is revision 2.
    const ids2 = await waitFor('two verdicts told', () => {
      const told = notificationsOf(ids.dispensationId).map((received) => received.body.notification_id);
      return told.length >= 2 ? told : undefined;
    });
    expect(ids2).toEqual([
      `dispensation:${ids.dispensationId}:dispensation.reconciled:1`,
      `dispensation:${ids.dispensationId}:dispensation.discrepancy:2`,
    ]);
    expect((await runsOf(stack.client, `dispensation:${ids.dispensationId}`)).length).toBe(2);
  });

  it('an event arriving while an ending entity waits for its notifications is applied, not dropped', async () => {
    const ids = freshIds();
    // The provider is down for a while: the paid outcome keeps retrying past the quiet period.
    provider.failNext(3);
    await send(storyEvent('settlement.paid', { settlement_id: ids.settlementId }, { created_at: at(0) }));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await send(storyEvent('settlement.rejected', { settlement_id: ids.settlementId }, { created_at: at(60) }));
    const handle = stack.client.workflow.getHandle(`settlement:${ids.settlementId}`);
    const result = await waitFor(
      'settlement ended',
      async () => ((await statusOf(handle.workflowId)) === 'COMPLETED' ? ((await handle.result()) as SettlementView) : undefined),
      90_000,
    );
    expect(result.eventIds).toHaveLength(2);
    expect(result.settlement.status).toBe('REJECTED');
    await waitFor(
      'both outcomes told',
      () => (notificationsOf(ids.settlementId, 'settlement.outcome').length === 2 ? true : undefined),
      60_000,
    );
  }, 150_000);
});

describe('decisions across dispensations', () => {
  it('double redemption is found whatever the arrival order: the later completion is flagged', async () => {
    api.answer = 'not_found';
    const ids = freshIds();
    await send(created(ids, 30));
    // The one completed at 14:40 reaches us first; the one completed at 14:20 second. 20 + 20 > 30.
    await send(dispensing(ids, 'dispensing.completed', 40, 20, ids.dispensationId));
    await waitFor('first reconciled', async () =>
      (await dispensationState(ids.dispensationId)).reconciliation !== undefined ? true : undefined,
    );
    await send(dispensing(ids, 'dispensing.completed', 20, 20, ids.otherDispensationId));

    const later = await waitFor('later flagged', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.reconciliation?.result === 'discrepancy' ? current : undefined;
    });
    expect(later.reconciliation).toMatchObject({
      discrepancies: [
        {
          rule: 'cumulative_quantity_exceeds_authorized',
          cumulative: 40,
          authorized: 30,
          earlierDispensationIds: [ids.otherDispensationId],
        },
      ],
    });
    const earlier = await waitFor('earlier reconciled', async () => {
      const current = await dispensationState(ids.otherDispensationId);
      return current.reconciliation !== undefined ? current : undefined;
    });
    expect(earlier.reconciliation).toEqual({ result: 'reconciled' });
  });

  it('resolveDiscrepancy is an Update: refused with a reason when nothing is open or the decision is unknown; accepted, it answers the state', async () => {
    api.answer = 'not_found';
    const ids = freshIds();
    await send(created(ids, 10));
    await send(dispensing(ids, 'dispensing.completed', 10, 20));
    await waitFor('discrepancy', async () =>
      (await dispensationState(ids.dispensationId)).flags.includes('discrepancy') ? true : undefined,
    );
    const handle = stack.client.workflow.getHandle(`dispensation:${ids.dispensationId}`);

    await expect(
      handle.executeUpdate(resolveDiscrepancyUpdate, { args: [{ decision: 'acept' as 'accept', by: 'ana' }] }),
    ).rejects.toMatchObject({ cause: { message: 'decision must be one of accept, reject' } });
    await expect(handle.executeUpdate(resolveDiscrepancyUpdate, { args: [{ decision: 'accept', by: '' }] })).rejects.toMatchObject({
      cause: { message: 'by is required (who decided)' },
    });
    const resolved = await handle.executeUpdate(resolveDiscrepancyUpdate, {
      args: [{ decision: 'reject', by: 'ana', note: 'dispute the extra 10' }],
    });
    expect(resolved.resolution).toMatchObject({ decision: 'reject', by: 'ana', revision: 1 });
    expect(resolved.flags).toEqual(['discrepancy_resolved']);
    await expect(handle.executeUpdate(resolveDiscrepancyUpdate, { args: [{ decision: 'accept', by: 'bo' }] })).rejects.toMatchObject({
      cause: { message: 'already resolved by ana' },
    });

    await waitFor('resolution notification', () =>
      notificationsOf(ids.dispensationId, 'dispensation.discrepancy_resolved').length === 1 ? true : undefined,
    );

    // A re-reconciliation that reaches the same verdict keeps the decision: the authorization
    // changes (reimbursed now) but still authorizes 10 of the 20 dispensed. Waited for by the
    // authorization's signal in the dispensation's history (a same verdict changes nothing visible).
    const signalsBefore = await authorizationSignals(`dispensation:${ids.dispensationId}`);
    await send(
      storyEvent(
        'authorization.updated',
        {
          authorization_id: ids.authorizationId,
          authorization_code: ids.code,
          payment_type: 'REIMBURSEMENT',
          products: [{ product_code: 'MED-042', quantity: 10, authorized_quantity: 10, status: 'APPROVED' }],
        },
        { created_at: at(30) },
      ),
    );
    await waitFor('the authorization change to reach the dispensation', async () =>
      (await authorizationSignals(`dispensation:${ids.dispensationId}`)) > signalsBefore ? true : undefined,
    );
    const kept = await dispensationState(ids.dispensationId);
    expect(kept.resolution).toMatchObject({ decision: 'reject', by: 'ana' });
    expect(kept.flags).toEqual(['discrepancy_resolved']);

    // One that changes the verdict (now 20 authorized: the dispensation is reconciled) is news: the
    // decision it was about is kept as the previous one.
    await send(
      storyEvent(
        'authorization.updated',
        {
          authorization_id: ids.authorizationId,
          authorization_code: ids.code,
          products: [{ product_code: 'MED-042', quantity: 20, authorized_quantity: 20, status: 'APPROVED' }],
        },
        { created_at: at(40) },
      ),
    );
    const changed = await waitFor('the new verdict', async () => {
      const current = await dispensationState(ids.dispensationId);
      return current.reconciliation?.result === 'reconciled' ? current : undefined;
    });
    expect(changed.resolution).toBeUndefined();
    expect(changed.previousResolution).toMatchObject({ decision: 'reject', by: 'ana' });
  });
});

describe('re-runs', () => {
  it('a re-run of an event workflow is flagged rerun, and its entity records it without applying the event twice', async () => {
    const ids = freshIds();
    const paid = storyEvent('settlement.paid', { settlement_id: ids.settlementId }, { created_at: at(0) });
    await send(paid);
    const handle = stack.client.workflow.getHandle(String(paid.event_id));
    expect(((await handle.result()) as EventRecord).entityOutcome).toBe('applied');
    await rerunEvent(stack.client, String(paid.event_id), 'entity-life test');
    const record = await waitFor('re-run finished', async () => {
      const latest = (await stack.client.workflow.getHandle(String(paid.event_id)).result()) as EventRecord;
      return latest.rerun === true ? latest : undefined;
    });
    expect(record).toMatchObject({ outcome: 'forwarded', entityOutcome: 'duplicate', rerun: true, flags: ['rerun'] });
    const view = await stack.client.workflow.getHandle(`settlement:${ids.settlementId}`).query<SettlementView>('state');
    expect(view.reruns).toEqual({ ignored: 1, lastEventId: paid.event_id });
    expect(view.eventIds).toEqual([paid.event_id]);
  });
});

describe('poison events are parked, never looping', () => {
  it('a hand-off Temporal refuses for good parks the event: its workflow completes parked, visible by search attribute', async () => {
    const ids = freshIds();
    const event = storyEvent('dispensing.started', { dispensation_id: ids.dispensationId }, { created_at: at(0) });
    // An id longer than Temporal allows in a workflow id: the entity can never be started.
    const handle = await stack.client.workflow.start('dispensingEventWorkflow', {
      workflowId: String(event.event_id),
      taskQueue: TASK_QUEUE,
      args: [{ event, receivedAt: new Date().toISOString(), resourceKey: `dsp_${'X'.repeat(1100)}`, flags: ['test_flag'] }],
    });
    const record = (await handle.result()) as EventRecord;
    expect(record).toMatchObject({ outcome: 'parked', parkedReason: 'handoff_failed', flags: ['handoff_failed', 'test_flag'] });
    await waitFor('parked search attribute', async () => {
      const attributes = (await handle.describe()).searchAttributes;
      return JSON.stringify(attributes.OsiguOutcome) === JSON.stringify(['parked']) ? attributes : undefined;
    });
    // What `ops parked` lists.
    const listed = await waitFor('listed as parked', async () =>
      (await listParked(stack.client)).find((parked) => parked.eventId === handle.workflowId),
    );
    expect(listed).toMatchObject({ workflowType: 'dispensingEventWorkflow', reason: 'handoff_failed' });
  });
});
