// The Temporal Web UI (the dev server's 2.42, started with --ui-codec-endpoint as `npm run dev`
// does) decoding encrypted payloads through the codec server, driven in Debian's Chromium, by the
// steps the README and `npm run dev` give: sign in once at /codec/login, then in the UI's Codec
// Server panel use the browser setting (same endpoint) with "Include cross-origin credentials".
// The UI sends cookies only then: with the cluster-level endpoint alone it sends none, and the
// codec server refuses it, as it refuses a browser that has not signed in.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import { freePort } from '../../scripts/dev-server';
import { loadCodecServerConfig } from '../../src/codec-server/config';
import { startCodecServer, type CodecServer } from '../../src/codec-server/server';
import { deliver, storyEvent } from '../support/delivery';
import { temporalClient, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';
import { launchChromium } from '../support/chromium';

const SHOTS = path.join(tmpdir(), 'osigu-webui-shots');
const KEYS = `ui-test:${randomBytes(32).toString('base64')}`;
const TOKEN = randomBytes(32).toString('base64url');

let codecServer: CodecServer;
let browser: Browser;
let uiPort: number;
let uiOrigin: string;
let eventId: string;
let prescriptionId: string;
const codecLog: string[] = [];

const stack = useStack({
  before: async (defer) => {
    uiPort = await freePort();
    uiOrigin = `http://127.0.0.1:${uiPort}`;
    const logger = pino({ level: 'info' }, { write: (line: string) => void codecLog.push(line) });
    codecServer = await startCodecServer(
      loadCodecServerConfig({
        CODEC_SERVER_TOKEN: TOKEN,
        PAYLOAD_ENCRYPTION_KEYS: KEYS,
        CODEC_SERVER_PORT: '0',
        CODEC_SERVER_CORS_ORIGINS: uiOrigin,
      }),
      { logger },
    );
    defer(() => codecServer.close());
  },
  temporal: () => ({ uiPort, codecEndpoint: codecServer.origin }),
  worker: true,
  workerEnv: { PAYLOAD_ENCRYPTION_KEYS: KEYS },
  receiver: true,
  receiverEnv: { PAYLOAD_ENCRYPTION_KEYS: KEYS },
  hookTimeoutMs: 180_000,
});

beforeAll(async () => {
  browser = await launchChromium();
  stack.defer(() => browser.close());
  mkdirSync(SHOTS, { recursive: true });

  prescriptionId = `rx_UI${Date.now().toString(36).toUpperCase()}`;
  const event = storyEvent('prescription.issued', { prescription_id: prescriptionId });
  eventId = String(event.event_id);
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event))).status).toBe(200);
  const { client, close } = await temporalClient(stack.temporal.address, { PAYLOAD_ENCRYPTION_KEYS: KEYS });
  try {
    await client.workflow.getHandle(eventId).result();
    // Stored encrypted, like the payloads: the server (and a Web UI without the codec) sees no summary.
    const started = (await client.workflow.getHandle(eventId).fetchHistory()).events?.[0];
    const encoding = started?.userMetadata?.summary?.metadata?.encoding;
    expect(Buffer.from(encoding ?? new Uint8Array()).toString()).toBe('binary/encrypted');
  } finally {
    await close();
  }
}, 180_000);

/** The event workflow's page, after setting the Web UI's Codec Server panel as a person would. */
async function openEvent(page: Page, { browserSetting }: { browserSetting: boolean }): Promise<void> {
  await page.goto(`${uiOrigin}/namespaces/default/workflows`);
  if (browserSetting) {
    await page.locator('[data-testid^="data-encoder-status"]').first().click();
    await page.getByText('Use Cluster-level setting, where available.').first().click();
    await page.getByText('Use my browser setting and ignore Cluster-level setting.').click();
    await page.getByPlaceholder('Paste your endpoint here').fill(codecServer.origin);
    // The panel scrolls under the sticky top bar here; the switch is toggled from the keyboard.
    const includeCredentials = page.getByLabel('Include cross-origin credentials');
    await includeCredentials.press('Space');
    expect(await includeCredentials.isChecked()).toBe(true);
    await page.getByTestId('confirm-data-encoder-button').click();
  }
  await page.goto(`${uiOrigin}/namespaces/default/workflows/${encodeURIComponent(eventId)}`);
  await page.getByText('prescriptionEventWorkflow').first().waitFor({ timeout: 30_000 });
}

/** The statuses the codec server gave this page's decode calls. */
function codecAnswers(page: Page): number[] {
  const statuses: number[] = [];
  page.on('response', (response) => {
    if (response.url().startsWith(codecServer.origin) && response.request().method() === 'POST') statuses.push(response.status());
  });
  return statuses;
}

it('shows the decrypted event once the browser has signed in and the UI includes credentials', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${codecServer.origin}/codec/login`);
  await page.fill('input[name="token"]', TOKEN);
  await page.click('button[type="submit"]');
  await page.getByText('Signed in').waitFor();

  const answers = codecAnswers(page);
  await openEvent(page, { browserSetting: true });
  await page.getByText('López').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(SHOTS, 'web-ui-codec-decoded.png'), fullPage: true });
  expect(answers.length).toBeGreaterThan(0);
  expect(answers.every((status) => status === 200)).toBe(true);
  expect(codecLog.join('')).toContain('"auth":"session"');
  // The summary went through the payload codec too (the SDK encodes user metadata): decoded here.
  await page.getByText('User Metadata', { exact: true }).first().click();
  const summary = `prescription.issued · ${prescriptionId}`;
  await waitFor(`the decoded summary "${summary}"`, async () => {
    for (const frame of page.frames()) if ((await frame.getByText(summary, { exact: true }).count()) > 0) return true;
    return undefined;
  });
  await context.close();
}, 120_000);

it.each([
  ['signed in, but with the cluster-level endpoint only (the UI then sends no cookie)', true, false],
  ['with the browser setting, but never signed in', false, true],
])(
  'shows nothing readable %s: the codec server refuses the UI',
  async (_case, signIn, browserSetting) => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    if (signIn) {
      await page.goto(`${codecServer.origin}/codec/login`);
      await page.fill('input[name="token"]', TOKEN);
      await page.click('button[type="submit"]');
      await page.getByText('Signed in').waitFor();
    }
    const answers = codecAnswers(page);
    await openEvent(page, { browserSetting });
    // Give the UI time to ask the codec server and render what it has.
    await page.waitForTimeout(3_000);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 401)).toBe(true);
    expect(await page.getByText('López').count()).toBe(0);
    await context.close();
  },
  120_000,
);
