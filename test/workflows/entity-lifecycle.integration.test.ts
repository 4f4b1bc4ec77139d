import type { PrescriptionView } from '../../src/workflows/prescription-entity';
import type { SettlementView } from '../../src/workflows/settlement-entity';
import { deliver, storyEvent } from '../support/delivery';
import { startProviderServer, type ProviderServer } from '../support/provider-server';
import { runsOf, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

let provider: ProviderServer;
const stack = useStack({
  before: async (defer) => {
    provider = await startProviderServer('whsec_provider_lifecycle');
    defer(() => provider.close());
  },
  worker: true,
  // Short lives: a final resource ends after 2 quiet seconds; histories restart past 50 events.
  workerEnv: () => ({
    ENTITY_QUIET_PERIOD: '2s',
    ENTITY_MAX_HISTORY_EVENTS: '50',
    PROVIDER_WEBHOOK_URL: provider.url,
    PROVIDER_WEBHOOK_SECRET: 'whsec_provider_lifecycle',
  }),
  receiver: true,
  client: true,
});

const send = async (event: Record<string, unknown>) =>
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event))).status).toBe(200);
const minute = (n: number) => new Date(Date.UTC(2026, 10, 25, 12, n)).toISOString();

it('a final resource ends its workflow once it has been quiet, leaving its state as the result', async () => {
  const settlementId = `stl_END${Date.now().toString(36).toUpperCase()}`;
  await send(storyEvent('settlement.paid', { settlement_id: settlementId }));
  // The event's workflow hands the event on after the acknowledgement: wait for the entity.
  await waitFor('the settlement entity', () => stack.client.workflow.getHandle(`settlement:${settlementId}`).describe());
  const result = (await stack.client.workflow.getHandle(`settlement:${settlementId}`).result()) as SettlementView;
  expect(result.settlement).toMatchObject({ settlementId, status: 'PAID' });
  expect((await stack.client.workflow.getHandle(`settlement:${settlementId}`).describe()).status.name).toBe('COMPLETED');
});

it('a long-lived entity continues as new with its memory: every event, every notification, once', async () => {
  const prescriptionId = `rx_CAN${Date.now().toString(36).toUpperCase()}`;
  await send(storyEvent('prescription.issued', { prescription_id: prescriptionId }, { created_at: minute(0) }));
  // Thirty bounces, each after a resend: far more history than 50 events.
  for (let n = 1; n <= 30; n += 1) {
    await send(
      storyEvent('prescription.email_failed', { prescription_id: prescriptionId, failed_at: minute(n) }, { created_at: minute(n) }),
    );
  }
  const handle = stack.client.workflow.getHandle(`prescription:${prescriptionId}`);
  const view = await waitFor('all 31 events in the entity, the newest bounce answered', async () => {
    const current = await handle.query<PrescriptionView>('state');
    const answered = current.notifications.some((record) => record.id.endsWith(minute(30)));
    return current.eventIds.length === 31 && answered ? current : undefined;
  });
  expect(view.prescription.status).toBe('EMAIL_FAILED');
  // Bounces that arrive together ask for one resend (of the newest); none is asked twice, and the
  // memory of what was asked survives each restart.
  const asked = view.notifications.filter((record) => record.kind === 'prescription.email_failed').map((record) => record.id);
  expect(asked.length).toBeGreaterThan(0);
  expect(new Set(asked).size).toBe(asked.length);
  expect(asked.at(-1)).toContain(minute(30));
  // What the provider received: the same, each notification id once, across every restart.
  const received = await waitFor('the last resend request at the provider', () => {
    const ids = provider.received.filter((item) => item.body.resource.id === prescriptionId).map((item) => item.body.notification_id);
    return ids.includes(asked.at(-1) ?? '') ? ids : undefined;
  });
  expect(new Set(received).size).toBe(received.length);

  const runs = await waitFor('the continued runs in visibility', async () => {
    const found = await runsOf(stack.client, `prescription:${prescriptionId}`);
    return found.length > 1 ? found : undefined;
  });
  expect(runs.length).toBeGreaterThan(1);
}, 90_000);
