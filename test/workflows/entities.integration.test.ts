import { resolveDiscrepancyUpdate } from '../../src/workflows/messages';
import type { AuthorizationView } from '../../src/workflows/authorization-entity';
import type { DispensationView } from '../../src/workflows/dispensation-entity';
import type { PrescriptionView } from '../../src/workflows/prescription-entity';
import type { SettlementView } from '../../src/workflows/settlement-entity';
import { deliver, storyEvent, uniqueEventId } from '../support/delivery';
import { startProviderServer, type ProviderServer } from '../support/provider-server';
import { runsOf, startTestReceiver, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

const PROVIDER_SECRET = 'whsec_provider_test';

let provider: ProviderServer;
const stack = useStack({
  before: async (defer) => {
    provider = await startProviderServer(PROVIDER_SECRET);
    defer(() => provider.close());
  },
  worker: true,
  workerEnv: () => ({
    PROVIDER_WEBHOOK_URL: provider.url,
    PROVIDER_WEBHOOK_SECRET: PROVIDER_SECRET,
    DISCREPANCY_ESCALATE_AFTER: '2s',
    DISCREPANCY_MAX_ESCALATIONS: '2',
    PRESCRIPTION_OUTCOME_TIMEOUT: '2s',
    DISPENSATION_STALE_AFTER: '1h',
    ENTITY_QUIET_PERIOD: '1h',
  }),
  receiver: true,
  client: true,
});
let url: string;

beforeAll(() => {
  url = `${stack.receiver.origin}/osigu/webhooks`;
});

let sequence = 0;
/** Ids for one fresh story: nothing shared with other tests in this file. */
function freshIds() {
  sequence += 1;
  const n = `${Date.now().toString(36)}${sequence}`.toUpperCase();
  return {
    authorizationId: `auth_T${n}`,
    requestId: `areq_T${n}`,
    code: `AUTH-T-${n}`,
    dispensationId: `dsp_T${n}`,
    prescriptionId: `rx_T${n}`,
    settlementId: `stl_T${n}`,
  };
}

const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 25, 14, 0) + minutes * 60_000).toISOString();

async function send(event: Record<string, unknown>): Promise<void> {
  const response = await deliver(url, JSON.stringify(event));
  expect(response.status).toBe(200);
}

async function state<T>(workflowId: string): Promise<T> {
  return await stack.client.workflow.getHandle(workflowId).query('state');
}

const notificationsOf = (resourceId: string, kind?: string) =>
  provider.received.filter((received) => received.body.resource.id === resourceId && (kind === undefined || received.body.kind === kind));

function authorizationStory(ids: ReturnType<typeof freshIds>, authorizedQuantity = 20) {
  const common = { authorization_id: ids.authorizationId, authorization_code: ids.code, authorization_request_id: ids.requestId };
  return {
    created: storyEvent('authorization.created', { ...common, expires_at: '2030-01-01T00:00:00Z' }, { created_at: at(0) }),
    updated: storyEvent(
      'authorization.updated',
      {
        ...common,
        expires_at: '2030-01-01T00:00:00Z',
        products: [{ product_code: 'MED-042', quantity: 30, authorized_quantity: authorizedQuantity, status: 'APPROVED' }],
      },
      { created_at: at(30) },
    ),
  };
}

function dispensation(
  ids: ReturnType<typeof freshIds>,
  type: 'dispensing.started' | 'dispensing.completed' | 'dispensing.cancelled',
  minutes: number,
  quantity = 30,
) {
  const completed =
    type === 'dispensing.completed'
      ? { products: [{ product_code: 'MED-042', quantity, unit_price: 12.5 }], total_amount: quantity * 12.5, completed_at: at(minutes) }
      : {};
  const started = type === 'dispensing.started' ? { products: [{ product_code: 'MED-042', quantity }], started_at: at(minutes) } : {};
  return storyEvent(
    type,
    {
      dispensation_id: ids.dispensationId,
      code: ids.code,
      code_type: 'AUTHORIZATION',
      authorization_id: ids.authorizationId,
      ...started,
      ...completed,
    },
    { created_at: at(minutes) },
  );
}

describe('the whole story, delivered over signed HTTP', () => {
  it('created → updated → started → completed over quantity → discrepancy → resolved by an operator', async () => {
    const ids = freshIds();
    const story = authorizationStory(ids);
    await send(story.created);
    await send(story.updated);
    await send(dispensation(ids, 'dispensing.started', 60));
    await send(dispensation(ids, 'dispensing.completed', 65, 30));

    const authorization = await waitFor('authorization state', async () => {
      const view = await state<AuthorizationView>(`authorization:${ids.authorizationId}`);
      return view.dispensations.length === 1 ? view : undefined;
    });
    expect(authorization.authorization).toMatchObject({
      status: 'CREATED',
      authorizationCode: ids.code,
      products: [{ productCode: 'MED-042', authorizedQuantity: 20 }],
    });

    const inDiscrepancy = await waitFor('discrepancy', async () => {
      const view = await state<DispensationView>(`dispensation:${ids.dispensationId}`);
      return view.reconciliation?.result === 'discrepancy' ? view : undefined;
    });
    expect(inDiscrepancy.dispensation.status).toBe('COMPLETED');
    expect(inDiscrepancy.reconciliation).toEqual({
      result: 'discrepancy',
      discrepancies: [{ rule: 'quantity_exceeds_authorized', productCode: 'MED-042', dispensed: 30, authorized: 20 }],
    });
    expect(inDiscrepancy.flags).toContain('discrepancy');
    await waitFor('discrepancy notification', () =>
      notificationsOf(ids.dispensationId, 'dispensation.discrepancy').length === 1 ? true : undefined,
    );

    const resolved = await stack.client.workflow
      .getHandle(`dispensation:${ids.dispensationId}`)
      .executeUpdate(resolveDiscrepancyUpdate, { args: [{ decision: 'accept', by: 'operator-ana' }] });
    expect(resolved.resolution).toMatchObject({ decision: 'accept', by: 'operator-ana' });
    expect(resolved.flags).toEqual(['discrepancy_resolved']);
    await waitFor('resolution notification', () =>
      notificationsOf(ids.dispensationId, 'dispensation.discrepancy_resolved').length === 1 ? true : undefined,
    );

    // What the provider was told: each outcome once, signed, with its id as the idempotency key.
    expect(notificationsOf(ids.authorizationId).map((received) => received.body.kind)).toEqual(['authorization.decided']);
    for (const received of [...notificationsOf(ids.authorizationId), ...notificationsOf(ids.dispensationId)]) {
      expect(received.signatureValid).toBe(true);
      expect(received.idempotencyKey).toBe(received.body.notification_id);
    }
    expect(notificationsOf(ids.dispensationId, 'dispensation.discrepancy')).toHaveLength(1);

    const described = await stack.client.workflow.getHandle(`dispensation:${ids.dispensationId}`).describe();
    await waitFor('search attributes', async () => {
      const attributes = (await stack.client.workflow.getHandle(`dispensation:${ids.dispensationId}`).describe()).searchAttributes;
      return JSON.stringify(attributes.OsiguFlags) === JSON.stringify(['discrepancy_resolved']) ? attributes : undefined;
    });
    expect(described.searchAttributes).toMatchObject({
      OsiguState: ['COMPLETED'],
      OsiguResourceId: [ids.dispensationId],
      OsiguEventFamily: ['dispensing'],
    });
  });

  it('a dispensation within the authorized quantity is reconciled', async () => {
    const ids = freshIds();
    const story = authorizationStory(ids);
    await send(story.created);
    await send(story.updated);
    await send(dispensation(ids, 'dispensing.completed', 65, 20));
    const view = await waitFor('reconciled', async () => {
      const current = await state<DispensationView>(`dispensation:${ids.dispensationId}`);
      return current.reconciliation !== undefined ? current : undefined;
    });
    expect(view.reconciliation).toEqual({ result: 'reconciled' });
    await waitFor('reconciled notification', () =>
      notificationsOf(ids.dispensationId, 'dispensation.reconciled').length === 1 ? true : undefined,
    );
  });
});

describe('out of order and duplicated', () => {
  it('applies events by created_at whatever the arrival order, and each event once', async () => {
    const ids = freshIds();
    const story = authorizationStory(ids);
    const completed = dispensation(ids, 'dispensing.completed', 65, 20);
    const started = dispensation(ids, 'dispensing.started', 60, 20);

    // Completion first, then the authorization's update before its creation, then the late start.
    await send(completed);
    await send(story.updated);
    await send(story.created);
    await send(story.created); // the same delivery again
    await send({ ...story.updated, event_id: uniqueEventId() }); // the same change under a new event id
    await send(started);

    const authorization = await waitFor('authorization with 4 distinct events', async () => {
      const view = await state<AuthorizationView>(`authorization:${ids.authorizationId}`);
      return view.eventIds.length === 3 ? view : undefined;
    });
    expect(authorization.authorization).toMatchObject({
      status: 'CREATED',
      authorizationCode: ids.code,
      products: [{ productCode: 'MED-042', authorizedQuantity: 20 }],
    });

    const view = await waitFor('dispensation completed and reconciled', async () => {
      const current = await state<DispensationView>(`dispensation:${ids.dispensationId}`);
      return current.eventIds.length === 2 && current.reconciliation?.result === 'reconciled' ? current : undefined;
    });
    // The late `started` did not move it back.
    expect(view.dispensation.status).toBe('COMPLETED');
    expect(await runsOf(stack.client, String(story.created.event_id))).toHaveLength(1);
    await waitFor('decided once', () => (notificationsOf(ids.authorizationId, 'authorization.decided').length === 1 ? true : undefined));
  });

  it('a cancellation after a completion is a discrepancy', async () => {
    const ids = freshIds();
    const story = authorizationStory(ids);
    await send(story.created);
    await send(dispensation(ids, 'dispensing.completed', 65, 10));
    await waitFor('reconciled first', async () =>
      (await state<DispensationView>(`dispensation:${ids.dispensationId}`)).reconciliation?.result === 'reconciled' ? true : undefined,
    );
    await send(dispensation(ids, 'dispensing.cancelled', 90));
    const view = await waitFor('cancelled after completion', async () => {
      const current = await state<DispensationView>(`dispensation:${ids.dispensationId}`);
      return current.reconciliation?.result === 'discrepancy' ? current : undefined;
    });
    expect(view.dispensation.status).toBe('CANCELLED');
    expect(view.reconciliation).toMatchObject({ discrepancies: [expect.objectContaining({ rule: 'cancelled_after_completion' })] });
  });
});

describe('timers', () => {
  it('escalates a discrepancy nobody resolves, up to the configured number of times', async () => {
    const ids = freshIds();
    const story = authorizationStory(ids);
    await send(story.created);
    await send(story.updated);
    await send(dispensation(ids, 'dispensing.completed', 65, 25));
    const view = await waitFor(
      'two escalations',
      async () => {
        const current = await state<DispensationView>(`dispensation:${ids.dispensationId}`);
        return current.escalations === 2 ? current : undefined;
      },
      60_000,
    );
    expect(view.flags).toContain('discrepancy');
    await waitFor('escalation notifications', () =>
      notificationsOf(ids.dispensationId, 'dispensation.discrepancy_escalated').length === 2 ? true : undefined,
    );
    const escalations = notificationsOf(ids.dispensationId, 'dispensation.discrepancy_escalated').map(
      (received) => received.body.details.escalation,
    );
    expect(escalations).toEqual([1, 2]);
  });

  it('flags an authorization that expires without a dispensation', async () => {
    const ids = freshIds();
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    await send(
      storyEvent(
        'authorization.created',
        { authorization_id: ids.authorizationId, authorization_code: ids.code, expires_at: expiresAt },
        { created_at: at(0) },
      ),
    );
    const view = await waitFor('expired unused', async () => {
      const current = await state<AuthorizationView>(`authorization:${ids.authorizationId}`);
      return current.flags.includes('expired_unused') ? current : undefined;
    });
    expect(view.authorization.status).toBe('CREATED');
    await waitFor('expiry notification', () =>
      notificationsOf(ids.authorizationId, 'authorization.expired_unused').length === 1 ? true : undefined,
    );
  });

  it('flags an issued prescription with no e-mail outcome, and asks for a resend when it bounces', async () => {
    const ids = freshIds();
    await send(storyEvent('prescription.issued', { prescription_id: ids.prescriptionId }, { created_at: at(0) }));
    await waitFor('outcome missing', async () =>
      (await state<PrescriptionView>(`prescription:${ids.prescriptionId}`)).flags.includes('delivery_outcome_missing') ? true : undefined,
    );
    await send(storyEvent('prescription.email_failed', { prescription_id: ids.prescriptionId }, { created_at: at(1) }));
    const view = await waitFor('email failed', async () => {
      const current = await state<PrescriptionView>(`prescription:${ids.prescriptionId}`);
      return current.prescription.status === 'EMAIL_FAILED' ? current : undefined;
    });
    expect(view.flags).toEqual(['email_failed']);
    const [failed] = await waitFor('resend request', () => {
      const found = notificationsOf(ids.prescriptionId, 'prescription.email_failed');
      return found.length === 1 ? found : undefined;
    });
    expect(failed?.body.details).toMatchObject({ action: 'resend' });
    // No PHI leaves in a notification: the patient's e-mail address stays in Temporal.
    expect(JSON.stringify(failed?.body)).not.toContain('@example');
  });
});

describe('settlements', () => {
  it('a partial acceptance lists the rejected claims', async () => {
    const ids = freshIds();
    await send(storyEvent('settlement.partially_accepted', { settlement_id: ids.settlementId }, { created_at: at(0) }));
    const view = await waitFor('settlement', async () => {
      const current = await state<SettlementView>(`settlement:${ids.settlementId}`);
      return current.settlement.status === 'PARTIALLY_ACCEPTED' ? current : undefined;
    });
    expect(view.rejectedClaims.map((claim) => claim.claimId)).toEqual(['clm_01JD0000000000000000000003']);
    const [outcome] = await waitFor('settlement notification', () => {
      const found = notificationsOf(ids.settlementId, 'settlement.outcome');
      return found.length === 1 ? found : undefined;
    });
    expect(outcome?.body.details).toMatchObject({
      status: 'PARTIALLY_ACCEPTED',
      rejected_claims: [{ claim_id: 'clm_01JD0000000000000000000003' }],
    });
  });
});

describe('the environment guard', () => {
  it('acknowledges an event from the other environment, records it, and acts on nothing', async () => {
    const production = await startTestReceiver(stack.temporal.address, {
      OSIGU_ENVIRONMENT: 'production',
      PAYLOAD_ENCRYPTION_OPT_OUT: 'store-phi-in-clear',
      RESOURCE_ID_HASH_KEY: 'test-only-resource-id-hash-key-0123456789abcdef',
    });
    try {
      const ids = freshIds();
      const event = storyEvent('settlement.paid', { settlement_id: ids.settlementId }, { environment: 'sandbox' });
      const response = await deliver(`${production.origin}/osigu/webhooks`, JSON.stringify(event));
      expect(response.status).toBe(200);
      const result = (await stack.client.workflow.getHandle(String(event.event_id)).result()) as { outcome: string };
      expect(result.outcome).toBe('ignored_environment');
      await expect(stack.client.workflow.getHandle(`settlement:${ids.settlementId}`).describe()).rejects.toThrow();
      const described = await stack.client.workflow.getHandle(String(event.event_id)).describe();
      expect(described.searchAttributes).toMatchObject({ OsiguOutcome: ['ignored_environment'], OsiguEnvironment: ['sandbox'] });
    } finally {
      await production.close();
    }
  });
});
