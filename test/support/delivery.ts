import { defaultFixturesDir, loadFixture } from '../../simulator/events/fixtures';
import { signatureHeader } from '../../src/osigu/signature';

export const TEST_SECRET = 'whsec_test_0123456789abcdef';

/** Where simulator/events/fixtures.ts, the one fixture reader, finds them (for tests that list them). */
export const FIXTURES_DIR = defaultFixturesDir();

/** A fixture as Osigu would send it, with a fresh event id so tests never collide. */
export function fixtureEvent(eventType: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...loadFixture(eventType, { dir: FIXTURES_DIR }).event, event_id: uniqueEventId(), ...overrides };
}

let counter = 0;
export function uniqueEventId(): string {
  counter += 1;
  return `evt_test_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export interface DeliveryOptions {
  secret?: string;
  timestamp?: number;
  headers?: Record<string, string>;
  method?: string;
}

/** POSTs exactly these bytes, signed as Osigu signs them unless a header overrides it. */
export async function deliver(url: string, body: string | Uint8Array, options: DeliveryOptions = {}): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = signatureHeader(body, { secrets: options.secret ?? TEST_SECRET, timestamp });
  return fetch(url, {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-osigu-signature': signature, ...options.headers },
    body,
  });
}

/**
 * Osigu's side of the contract, compressed in time: resend until a 2xx. Connection errors count
 * as failures, as they do for Osigu. Returns how many attempts it took.
 */
export async function deliverUntilAcknowledged(
  url: string,
  body: string,
  { attempts = 200, delayMs = 100 }: { attempts?: number; delayMs?: number } = {},
): Promise<number> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const response = await deliver(url, body);
      await response.arrayBuffer();
      if (response.ok) return attempt;
    } catch {
      // refused or reset: the receiver is down, which is what the retry is for
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error(`not acknowledged after ${attempts} attempts`);
}

/** A fixture with a fresh event id and some of its `data` fields replaced, to tell a new story. */
export function storyEvent(
  eventType: string,
  data: Record<string, unknown>,
  envelope: Record<string, unknown> = {},
): Record<string, unknown> {
  const event = fixtureEvent(eventType, envelope);
  return { ...event, data: { ...(event.data as Record<string, unknown>), ...data } };
}
