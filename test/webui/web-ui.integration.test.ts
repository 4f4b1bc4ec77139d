import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Browser } from 'playwright-core';
import { freePort, type DevServer } from '../../scripts/dev-server';
import type { Receiver } from '../../src/http/server';
import type { DispensationView } from '../../src/workflows/dispensation-entity';
import { deliver, storyEvent } from '../support/delivery';
import { startTemporal, startTestReceiver, startWorker, temporalClient, type RunningWorker } from '../support/stack';
import { waitFor } from '../support/wait-for';
import { launchChromium } from '../support/chromium';

// UPDATE_SCREENSHOTS=1 refreshes the README's picture; otherwise shots go to a temp folder.
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/images') : path.join(tmpdir(), 'osigu-webui-shots');

let temporal: DevServer;
let worker: RunningWorker;
let receiver: Receiver;
let client: Client;
let closeClient: () => Promise<void>;
let browser: Browser;

beforeAll(async () => {
  temporal = await startTemporal({ uiPort: await freePort() });
  worker = await startWorker(temporal.address);
  receiver = await startTestReceiver(temporal.address);
  ({ client, close: closeClient } = await temporalClient(temporal.address));
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await worker?.stop();
  await closeClient?.();
  await temporal?.stop();
});

it('an operator finds an event and a dispensation in discrepancy by their search attributes', async () => {
  const suffix = Date.now().toString(36).toUpperCase();
  const ids = { authorizationId: `auth_UI${suffix}`, code: `AUTH-UI-${suffix}`, dispensationId: `dsp_UI${suffix}` };
  const created = storyEvent('authorization.created', {
    authorization_id: ids.authorizationId,
    authorization_code: ids.code,
    products: [{ product_code: 'MED-042', quantity: 20 }],
  });
  const completed = storyEvent('dispensing.completed', {
    dispensation_id: ids.dispensationId,
    code: ids.code,
    authorization_id: ids.authorizationId,
  });
  for (const event of [created, completed])
    expect((await deliver(`${receiver.origin}/osigu/webhooks`, JSON.stringify(event))).status).toBe(200);
  await waitFor('discrepancy', async () => {
    const view = await client.workflow.getHandle(`dispensation:${ids.dispensationId}`).query<DispensationView>('state');
    return view.flags.includes('discrepancy') ? view : undefined;
  });
  // The Web UI lists from visibility, which lags a little behind the workflow.
  await waitFor('visibility', async () => {
    for await (const execution of client.workflow.list({
      query: `OsiguFlags = 'discrepancy' AND OsiguResourceId = '${ids.dispensationId}'`,
    }))
      return execution;
    return undefined;
  });

  // What the Web UI will show as each workflow's title and current details (Temporal's user
  // metadata): ids, types, statuses and rule names only.
  const eventSummary = `dispensing.completed · ${ids.dispensationId}`;
  const eventDetails = `forwarded → dispensation:${ids.dispensationId} · applied`;
  const entitySummary = `dispensation ${ids.dispensationId}`;
  const entityDetails = 'COMPLETED · discrepancy · rules: quantity_exceeds_authorized';
  const eventHandle = client.workflow.getHandle(String(completed.event_id));
  await eventHandle.result();
  expect(await (await eventHandle.describe()).staticSummary()).toBe(eventSummary);
  expect(await eventHandle.query<{ currentDetails: string }>('__temporal_workflow_metadata')).toMatchObject({
    currentDetails: eventDetails,
  });
  const entityHandle = client.workflow.getHandle(`dispensation:${ids.dispensationId}`);
  expect(await (await entityHandle.describe()).staticSummary()).toBe(entitySummary);
  expect(await entityHandle.query<{ currentDetails: string }>('__temporal_workflow_metadata')).toMatchObject({
    currentDetails: entityDetails,
  });

  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  const ui = temporal.uiUrl ?? '';

  // Each workflow's User Metadata tab (Web UI 2.42): its summary and its current details (a
  // finished workflow's too, while a worker answers the query).
  const userMetadata = async (workflowId: string): Promise<void> => {
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByText('User Metadata', { exact: true }).first().click();
  };
  // The UI renders each as Markdown in a frame of its own.
  const shown = (text: string): Promise<true> =>
    waitFor(`the Web UI to show "${text}"`, async () => {
      for (const frame of page.frames()) if ((await frame.getByText(text, { exact: true }).count()) > 0) return true;
      return undefined;
    });
  await userMetadata(String(completed.event_id));
  await shown(eventSummary);
  await shown(eventDetails);
  await page.screenshot({ path: path.join(SHOTS, 'web-ui-event-summary.png') });
  await userMetadata(`dispensation:${ids.dispensationId}`);
  await shown(entitySummary);
  await shown(entityDetails);
  await page.screenshot({ path: path.join(SHOTS, 'web-ui-entity-summary.png') });

  await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId = '${String(completed.event_id)}'`)}`);
  await page.getByText(String(completed.event_id)).first().waitFor({ timeout: 30_000 });
  await page.getByText('dispensingEventWorkflow').first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'web-ui-event.png') });

  await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent("OsiguFlags = 'discrepancy'")}`);
  await page.getByText(`dispensation:${ids.dispensationId}`).first().waitFor({ timeout: 30_000 });
  await page.getByText('dispensationEntityWorkflow').first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'web-ui-discrepancies.png') });
  await page.close();
}, 120_000);
