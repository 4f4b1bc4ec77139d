// Health data at rest and in logs: with PAYLOAD_ENCRYPTION_KEYS set, every fixture goes through the
// real receiver, worker and Temporal, and then Temporal's stored histories and visibility records
// are read raw (no codec) and scanned byte for byte for the fixtures' PHI. None may be there; the
// receiver's and the worker's log lines may not carry it either. Controls keep the scan honest: a
// client with the keys reads every event back whole, and one event sent through a receiver without
// keys is found in clear by the very same scan (and is still processed: unencrypted payloads pass
// through the worker's codec).
import { randomBytes } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import pino from 'pino';
import type { Receiver } from '../../src/http/server';
import { ENCRYPTED_ENCODING, METADATA_ENCRYPTION_KEY_ID } from '../../src/temporal/codec/encryption-codec';
import { loadPayloadEncryption } from '../../src/temporal/codec/settings';
import type { EventRecord, EventWorkflowInput } from '../../src/workflows/event-input';
import { createIdKeyer, DEV_RESOURCE_ID_HASH_KEY } from '../../src/osigu/id-key';
import { deliver, fixtureEvent, FIXTURES_DIR, storyEvent } from '../support/delivery';
import { startTestReceiver, temporalClient, useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';
import { loadFixtures } from '../../simulator/events/fixtures';

const NAMESPACE = 'default';
const OLD_KEY = `phi-2025:${randomBytes(32).toString('base64')}`;
const NEW_KEY = `phi-2026:${randomBytes(32).toString('base64')}`;
// Mid-rotation, the way it is rolled out: every process decrypts with both keys; the worker has
// already moved the new key to the front (encrypts with it), the receiver not yet.
const WORKER_KEYS = `${NEW_KEY},${OLD_KEY}`;
const RECEIVER_KEYS = `${OLD_KEY},${NEW_KEY}`;

/** The fixtures' PHI: patient, beneficiary, contact, clinical and free-text fields. */
const PHI = [
  'Ana', // patient first name
  'López', // patient last name
  'pat_01JF0000000000000000000001', // patient id
  'ana@example.com', // e-mail address
  'ana@example.invalid',
  'bnf_01HW8GQ2KMNP3F4R5T6Y7U8V9W', // beneficiary id
  'R51', // diagnosis code
  '1c/8h', // posology
  '2c/12h',
  'Mailbox does not exist', // e-mail failure reason
  "not covered by the beneficiary's plan", // rejection reason
  'MP-12345', // the prescribing doctor's registration
];

/**
 * Where a needle is looked for in stored bytes. Random ciphertext contains any given 3-byte string
 * about once in 16 MB, so short values are looked for as the JSON strings they would be stored as
 * (`"Ana"`, `"R51"`), which it cannot produce by chance; longer ones as they are.
 */
const storedForm = (needle: string): Buffer => Buffer.from(Buffer.byteLength(needle) < 5 ? JSON.stringify(needle) : needle, 'utf8');
const phiInBytes = (bytes: Buffer): string[] => PHI.filter((needle) => bytes.includes(storedForm(needle)));

/** In text (logs, ids, search attributes) a needle counts as a whole word. */
const wordPattern = (needle: string): RegExp =>
  new RegExp(`(?<![\\p{L}\\p{N}])${needle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'u');
const phiInText = (text: string): string[] => PHI.filter((needle) => wordPattern(needle).test(text));

const bigintSafe = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

let plainReceiver: Receiver;
let connection: Connection;
let raw: { client: Client; close: () => Promise<void> };
const receiverLog: string[] = [];
const workerLog: string[] = [];
// The receivers' own pino lines, without the production logger's redaction list: the call sites
// themselves must be clean.
const logger = pino({ level: 'trace' }, { write: (line: string) => void receiverLog.push(line) });

// The stack's client decrypts (the worker's keys); `raw` reads what Temporal stores, with no codec.
const stack = useStack({
  before: () => {
    // The worker's logs: the SDK's Runtime logger carries the worker's, the workflows' and the
    // activities' lines. Installed before startWorker, which then keeps it. DEBUG: more than
    // production's INFO, so more that could leak.
    Runtime.install({ logger: new DefaultLogger('DEBUG', (entry: LogEntry) => void workerLog.push(JSON.stringify(entry, bigintSafe))) });
  },
  worker: true,
  workerEnv: { PAYLOAD_ENCRYPTION_KEYS: WORKER_KEYS },
  receiver: true,
  receiverEnv: { PAYLOAD_ENCRYPTION_KEYS: RECEIVER_KEYS },
  receiverLogger: logger,
  client: true,
  clientEnv: { PAYLOAD_ENCRYPTION_KEYS: WORKER_KEYS },
  hookTimeoutMs: 180_000,
});

beforeAll(async () => {
  plainReceiver = await startTestReceiver(stack.temporal.address, {}, { logger });
  stack.defer(() => plainReceiver.close());
  connection = await Connection.connect({ address: stack.temporal.address });
  stack.defer(() => connection.close());
  raw = await temporalClient(stack.temporal.address);
  stack.defer(() => raw.close());
}, 120_000);

/** Every event of a run's history, paged, exactly as Temporal stores and serves it (no codec). */
async function rawHistory(workflowId: string): Promise<{ bytes: Buffer; events: proto.api.history.v1.IHistoryEvent[] }> {
  const chunks: Buffer[] = [];
  const events: proto.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | null = null;
  do {
    const page: proto.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse =
      await connection.workflowService.getWorkflowExecutionHistory({
        namespace: NAMESPACE,
        execution: { workflowId },
        nextPageToken,
        maximumPageSize: 1000,
      });
    chunks.push(Buffer.from(proto.api.history.v1.History.encode(page.history ?? {}).finish()));
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : null;
  } while (nextPageToken !== null);
  return { bytes: Buffer.concat(chunks), events };
}

interface FoundPayload {
  at: string;
  payload: Payload;
}

/** Every Payload in a history, except search attributes (which codecs never touch: ids and types only). */
function payloadsIn(node: unknown, at = '', found: FoundPayload[] = []): FoundPayload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  const metadata = (node as { metadata?: unknown }).metadata;
  if (metadata !== null && typeof metadata === 'object' && (metadata as Record<string, unknown>).encoding instanceof Uint8Array) {
    found.push({ at, payload: node });
    return found;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'searchAttributes') continue;
    payloadsIn(value, `${at}.${key}`, found);
  }
  return found;
}

const metadataText = (payload: Payload, key: string): string => Buffer.from(payload.metadata?.[key] ?? []).toString('utf8');

/**
 * The SDK core's own bookkeeping in markers, written in clear where no codec reaches: a patch
 * marker's id, a local activity marker's sequence, attempt, ids, type and times (the activity's
 * result is a separate payload, encrypted). Allowed only at exactly those places, with exactly those
 * field names and scalar values (times and backoff: Core's small objects of seconds and nanos).
 */
const CORE_BOOKKEEPING: Record<string, ReadonlySet<string>> = {
  'patch-data': new Set(['id', 'deprecated']),
  data: new Set(['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time']),
};
const scalarOrTime = (value: unknown): boolean =>
  value === null ||
  ['string', 'number', 'boolean'].includes(typeof value) ||
  (typeof value === 'object' &&
    Object.entries(value).every(([key, part]) => ['seconds', 'nanos'].includes(key) && typeof part === 'number'));
function coreBookkeeping({ at, payload }: FoundPayload): boolean {
  const place = /\.markerRecordedEventAttributes\.details\.([a-z-]+)\.payloads\.0$/.exec(at)?.[1];
  const allowed = place === undefined ? undefined : CORE_BOOKKEEPING[place];
  if (allowed === undefined || metadataText(payload, 'encoding') !== 'json/plain') return false;
  const value = JSON.parse(Buffer.from(payload.data ?? []).toString('utf8')) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.entries(value).every(([key, field]) => allowed.has(key) && scalarOrTime(field));
}

it('stores no PHI in Temporal or the logs when PAYLOAD_ENCRYPTION_KEYS is set, and the keys read every event back', async () => {
  // 1. Every fixture, signed, through the encrypting receiver; one control event through a receiver without keys.
  const fixtures = loadFixtures({ dir: FIXTURES_DIR });
  const types = fixtures.map((fixture) => fixture.type);
  expect(types.length).toBeGreaterThanOrEqual(13);
  const fixtureText = fixtures.map((fixture) => fixture.bytes.toString('utf8')).join('\n');
  for (const needle of PHI) expect({ needle, inFixtures: fixtureText.includes(needle) }).toEqual({ needle, inFixtures: true });

  const sent = new Map<string, Record<string, unknown>>();
  for (const type of types) {
    const event = fixtureEvent(type);
    const response = await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event));
    expect({ type, status: response.status }).toEqual({ type, status: 200 });
    sent.set(String(event.event_id), event);
  }
  const control = storyEvent('prescription.issued', { prescription_id: `rx_PLAINCONTROL${Date.now().toString(36).toUpperCase()}` });
  expect((await deliver(`${plainReceiver.origin}/osigu/webhooks`, JSON.stringify(control))).status).toBe(200);
  const controlId = String(control.event_id);

  // 2. Every event workflow completes (read through the decrypting client: results are encrypted too).
  const records = new Map<string, EventRecord>();
  for (const eventId of [...sent.keys(), controlId]) {
    const record = await stack.client.workflow.getHandle<() => Promise<EventRecord>>(eventId).result();
    expect({ eventId, outcome: record.outcome }).toEqual({ eventId, outcome: 'forwarded' });
    records.set(eventId, record);
  }
  const entityIds = [
    ...new Set([...records.values()].map((record) => record.entityWorkflowId).filter((id): id is string => id !== undefined)),
  ];
  for (const family of ['authorization:', 'dispensation:', 'prescription:', 'settlement:'])
    expect(entityIds.some((id) => id.startsWith(family))).toBe(true);

  // 3. Every entity has applied its events, and nothing is left in flight (so its history is complete).
  for (const entityId of entityIds) {
    const expected = [...records.entries()].filter(([, record]) => record.entityWorkflowId === entityId).map(([eventId]) => eventId);
    await waitFor(`${entityId} to apply its events`, async () => {
      const view = await stack.client.workflow.getHandle(entityId).query<{ eventIds: string[] }>('state');
      return expected.every((eventId) => view.eventIds.includes(eventId)) ? view : undefined;
    });
    await waitFor(`${entityId} to settle`, async () => {
      const described = await connection.workflowService.describeWorkflowExecution({
        namespace: NAMESPACE,
        execution: { workflowId: entityId },
      });
      return (described.pendingActivities ?? []).length === 0 && (described.pendingWorkflowTask ?? null) === null ? true : undefined;
    });
  }
  // Without the keys, the same query cannot be read.
  const [firstEntity] = entityIds;
  await expect(raw.client.workflow.getHandle(firstEntity ?? '').query('state')).rejects.toThrow(/binary\/encrypted/);

  // 4. Visibility: workflow ids, types and search attributes are not encrypted, so they must carry no PHI.
  const expectedIds = [...records.keys(), ...entityIds];
  const executions = await waitFor('visibility to list every workflow', async () => {
    const listed = await connection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 1000, query: '' });
    const ids = new Set((listed.executions ?? []).map((execution) => execution.execution?.workflowId));
    return expectedIds.every((id) => ids.has(id)) ? listed : undefined;
  });
  const listedBytes = Buffer.from(proto.api.workflowservice.v1.ListWorkflowExecutionsResponse.encode(executions).finish());
  expect(phiInBytes(listedBytes)).toEqual([]);
  const visible = (executions.executions ?? []).map((execution) => ({
    id: execution.execution?.workflowId ?? '',
    type: execution.type?.name ?? '',
    searchAttributes: Object.entries(execution.searchAttributes?.indexedFields ?? {}).map(
      ([name, payload]) => `${name}=${Buffer.from(payload.data ?? []).toString('utf8')}`,
    ),
    memo: Buffer.from(proto.api.common.v1.Memo.encode(execution.memo ?? {}).finish()),
  }));
  for (const execution of visible) {
    expect({ id: execution.id, phi: phiInText([execution.id, execution.type, ...execution.searchAttributes].join('\n')) }).toEqual({
      id: execution.id,
      phi: [],
    });
    expect(phiInBytes(execution.memo)).toEqual([]);
  }
  expect(visible.some((execution) => execution.searchAttributes.some((attribute) => attribute.startsWith('OsiguResourceId=')))).toBe(true);

  // 5. Histories, raw: no PHI in any byte, and every payload encrypted, with the key id of whoever wrote it.
  const { codec } = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: WORKER_KEYS }) ?? {};
  if (codec === undefined) throw new Error('no codec');
  const decryptedText: string[] = [];
  let scannedBytes = 0;
  for (const workflowId of expectedIds.filter((id) => id !== controlId)) {
    const history = await rawHistory(workflowId);
    scannedBytes += history.bytes.length;
    expect({ workflowId, phi: phiInBytes(history.bytes) }).toEqual({ workflowId, phi: [] });

    const payloads = payloadsIn(history.events).filter((found) => !coreBookkeeping(found));
    expect(payloads.length).toBeGreaterThan(0);
    // What is in clear, with its text: a failure shows what leaked.
    const clear = payloads
      .filter(({ payload }) => metadataText(payload, 'encoding') !== ENCRYPTED_ENCODING)
      .map(
        ({ at, payload }) =>
          `${at}: ${metadataText(payload, 'encoding')} ${Buffer.from(payload.data ?? [])
            .toString('utf8')
            .slice(0, 200)}`,
      );
    expect({ workflowId, clear }).toEqual({ workflowId, clear: [] });

    // The decrypting side: every payload decodes, and together they hold the events as sent.
    for (const decoded of await codec.decode(payloads.map(({ payload }) => payload)))
      decryptedText.push(Buffer.from(decoded.data ?? []).toString('utf8'));

    const started = history.events[0]?.workflowExecutionStartedEventAttributes;
    const startInput = started?.input?.payloads?.[0];
    if (records.has(workflowId)) {
      // An event workflow: started by the receiver, which still encrypts with the old key.
      expect(metadataText(startInput ?? {}, METADATA_ENCRYPTION_KEY_ID)).toBe('phi-2025');
      const [plain] = await codec.decode([startInput ?? {}]);
      const input = defaultPayloadConverter.fromPayload<EventWorkflowInput>(plain ?? {});
      expect(input.event).toEqual(sent.get(workflowId));
    } else {
      // An entity: its events arrive as applyEvent Updates sent by the worker's activities, with the new key.
      const updates = history.events.filter(
        (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'applyEvent',
      );
      expect(updates.length).toBeGreaterThan(0);
      for (const update of updates) {
        for (const payload of update.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? [])
          expect(metadataText(payload, METADATA_ENCRYPTION_KEY_ID)).toBe('phi-2026');
      }
    }
  }
  // The data did go in: each PHI value is in the decrypted payloads, so the scan above had something to miss.
  const plaintext = decryptedText.join('\n');
  for (const needle of PHI) expect({ needle, decrypted: plaintext.includes(needle) }).toEqual({ needle, decrypted: true });
  expect(scannedBytes).toBeGreaterThan(10_000);

  // 6. The control: stored by a receiver without keys, it is in clear, and the same scan finds it.
  const controlHistory = await rawHistory(controlId);
  expect(phiInBytes(controlHistory.bytes)).toEqual(
    expect.arrayContaining(['Ana', 'López', 'R51', '1c/8h', 'pat_01JF0000000000000000000001']),
  );

  // 7. Logs: the receivers' lines and the worker's (SDK, workflow and activity lines), none with PHI.
  const receiverText = receiverLog.join('');
  const workerText = workerLog.join('\n');
  expect(receiverText).toContain('delivery accepted');
  expect(receiverText).toContain('payload encryption is on');
  expect(receiverText).toContain('payload encryption is off');
  expect(workerText).toContain('event handled');
  expect({ receiverLog: phiInText(receiverText), workerLog: phiInText(workerText) }).toEqual({ receiverLog: [], workerLog: [] });
}, 240_000);

it('hostile ids: an event_id and a resource id carrying PHI are processed under keyed hashes, never written in clear by the receiver', async () => {
  const keyOf = createIdKeyer(DEV_RESOURCE_ID_HASH_KEY);
  const rawEventId = `evt_Ana.Lopez.${Date.now().toString(36)}`;
  const rawResourceId = 'Ana López, DOB 1980-02-03';
  const event = storyEvent('dispensing.started', { dispensation_id: rawResourceId }, { event_id: rawEventId });
  const before = receiverLog.length;
  const response = await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event));
  expect(response.status).toBe(200);

  // The workflow id is the event id's keyed hash; the raw id is only in the encrypted input.
  const workflowId = keyOf(rawEventId);
  expect(workflowId).toMatch(/^h_[0-9a-f]{40}$/);
  const started = (await rawHistory(workflowId)).events[0]?.workflowExecutionStartedEventAttributes;
  const [input] = await (loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: WORKER_KEYS })?.codec.decode([
    started?.input?.payloads?.[0] ?? {},
  ]) ?? []);
  const decoded = defaultPayloadConverter.fromPayload<EventWorkflowInput>(input ?? {});
  expect(decoded.event.event_id).toBe(rawEventId);
  expect(decoded.resourceKey).toBe(keyOf(rawResourceId));
  expect(decoded.flags?.sort()).toEqual(['event_id_hashed', 'resource_id_hashed']);

  // What the receiver wrote in clear: search attributes set at the start, and its log lines.
  const described = await connection.workflowService.describeWorkflowExecution({ namespace: NAMESPACE, execution: { workflowId } });
  const attributes = Object.entries(described.workflowExecutionInfo?.searchAttributes?.indexedFields ?? {}).map(
    ([name, payload]) => `${name}=${Buffer.from(payload.data ?? []).toString('utf8')}`,
  );
  expect(attributes).toContain(`OsiguResourceId=${JSON.stringify(keyOf(rawResourceId))}`);
  expect(phiInText(attributes.join('\n'))).toEqual([]);
  const lines = receiverLog.slice(before).join('');
  expect(lines).toContain(workflowId);
  expect(phiInText(lines)).toEqual([]);
  expect(lines).not.toContain('1980-02-03');
});
