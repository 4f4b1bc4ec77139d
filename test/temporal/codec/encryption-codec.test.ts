import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  METADATA_ENCRYPTION_FORMAT,
  METADATA_ENCRYPTION_KEY_ID,
  PayloadDecryptionError,
  type EncryptionKey,
} from '../../../src/temporal/codec/encryption-codec';
import { loadPayloadEncryption } from '../../../src/temporal/codec/settings';
import { FIXTURES_DIR } from '../../support/delivery';
import { loadFixture } from '../../../simulator/events/fixtures';

const rawKey = (): Buffer => randomBytes(32);
const key = (id: string, bytes = rawKey()): EncryptionKey => ({ id, key: createSecretKey(bytes) });
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? new Uint8Array(0)).toString('utf8');

/** A payload as Temporal's default converter makes one: json/plain. */
const jsonPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

async function decodedValue(codec: EncryptionCodec, payload: Payload): Promise<unknown> {
  const [decoded] = await codec.decode([payload]);
  return defaultPayloadConverter.fromPayload(decoded ?? {});
}

async function encodeOne(codec: EncryptionCodec, payload: Payload): Promise<Payload> {
  const [encoded] = await codec.encode([payload]);
  if (encoded === undefined) throw new Error('nothing encoded');
  return encoded;
}

async function decodeError(codec: EncryptionCodec, payload: Payload): Promise<PayloadDecryptionError> {
  const outcome = await codec.decode([payload]).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof PayloadDecryptionError)) throw new Error(`expected a PayloadDecryptionError, got ${String(outcome)}`);
  return outcome;
}

// The PHI in the team's fixtures, as it would be stored if nothing encrypted it.
const fixture = (type: string): Record<string, unknown> => loadFixture(type, { dir: FIXTURES_DIR }).event;
const prescription = fixture('prescription.issued');
const emailFailed = fixture('prescription.email_failed');
const authorization = fixture('authorization.created');
const PHI = [
  'Ana',
  'López',
  'pat_01JF0000000000000000000001',
  'R51',
  '1c/8h',
  'ana@example.invalid',
  'Mailbox does not exist',
  'bnf_01HW8GQ2KMNP3F4R5T6Y7U8V9W',
];

describe('EncryptionCodec', () => {
  it('round-trips a payload, metadata and all, and marks what it encrypted', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const original = jsonPayload(prescription);
    const encoded = await encodeOne(codec, original);

    expect(text(encoded.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('k1');
    expect(Object.keys(encoded.metadata ?? {}).sort()).toEqual(['encoding', METADATA_ENCRYPTION_FORMAT, METADATA_ENCRYPTION_KEY_ID].sort());
    expect(text(encoded.metadata?.[METADATA_ENCRYPTION_FORMAT])).toBe('2');

    const [decoded] = await codec.decode([encoded]);
    expect(text(decoded?.metadata?.encoding)).toBe('json/plain');
    expect(Buffer.from(decoded?.data ?? []).equals(Buffer.from(original.data ?? []))).toBe(true);
    expect(defaultPayloadConverter.fromPayload(decoded ?? {})).toEqual(prescription);
  });

  it('round-trips many payloads at once, in order, and the empty list', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const values = [prescription, emailFailed, authorization, null, 'text', 42, { nested: [1, 2, 3] }];
    const encoded = await codec.encode(values.map(jsonPayload));
    const decoded = await codec.decode(encoded);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual(values);
    expect(await codec.encode([])).toEqual([]);
    expect(await codec.decode([])).toEqual([]);
  });

  it('uses a fresh 12-byte IV for every payload: the same value never encrypts the same way twice', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const payload = jsonPayload(prescription);
    const [first, second] = await codec.encode([payload, payload]);
    const data1 = Buffer.from(first?.data ?? []);
    const data2 = Buffer.from(second?.data ?? []);
    expect(data1.subarray(0, 12).equals(data2.subarray(0, 12))).toBe(false);
    expect(data1.equals(data2)).toBe(false);
  });

  it('lays the data out as IV ‖ AES-256-GCM ciphertext ‖ tag over the delimited Payload, the key id bound as additional data', async () => {
    const bytes = rawKey();
    const codec = new EncryptionCodec([key('k1', bytes)]);
    const original = jsonPayload(authorization);
    const data = Buffer.from((await encodeOne(codec, original)).data ?? []);
    // Decrypted independently with node:crypto: the format is interoperable, not private to this class.
    const decipher = createDecipheriv('aes-256-gcm', bytes, data.subarray(0, 12));
    decipher.setAAD(Buffer.from('osigu-webhooks payload v2\0k1', 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    const plaintext = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    const payload = temporal.api.common.v1.Payload.decodeDelimited(plaintext);
    expect(defaultPayloadConverter.fromPayload(payload)).toEqual(authorization);
  });

  it('still decrypts payloads written before the key id was bound (no format metadata, no additional data)', async () => {
    const bytes = rawKey();
    const codec = new EncryptionCodec([key('k-old', bytes)]);
    // Exactly what the codec wrote before: IV ‖ ciphertext ‖ tag, no AAD, two metadata fields.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', bytes, iv);
    const plaintext = temporal.api.common.v1.Payload.encodeDelimited(jsonPayload(prescription)).finish();
    const legacy: Payload = {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [METADATA_ENCRYPTION_KEY_ID]: Buffer.from('k-old') },
      data: Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]),
    };
    expect(await decodedValue(codec, legacy)).toEqual(prescription);
  });

  it('a payload whose key id, or format, was swapped or stripped does not authenticate', async () => {
    const bytes = rawKey();
    // Two ids for the same key: only the binding can tell the payloads apart.
    const codec = new EncryptionCodec([key('k-a', bytes), key('k-b', bytes)]);
    const encoded = await encodeOne(codec, jsonPayload(prescription));
    const swapped: Payload = { ...encoded, metadata: { ...encoded.metadata, [METADATA_ENCRYPTION_KEY_ID]: Buffer.from('k-b') } };
    expect((await decodeError(codec, swapped)).message).toContain('failed authentication');
    const stripped: Payload = {
      ...encoded,
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [METADATA_ENCRYPTION_KEY_ID]: Buffer.from('k-a') },
    };
    expect((await decodeError(codec, stripped)).message).toContain('failed authentication');
    expect(await decodedValue(codec, encoded)).toEqual(prescription);
  });

  it('after a rotation, encrypts with the new key and still decrypts what the old key wrote', async () => {
    const oldKey = key('2025-01');
    const before = new EncryptionCodec([oldKey]);
    const writtenBefore = await encodeOne(before, jsonPayload(prescription));

    const after = new EncryptionCodec([key('2026-06'), oldKey]);
    const writtenAfter = await encodeOne(after, jsonPayload(emailFailed));
    expect(text(writtenAfter.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('2026-06');
    expect(after.encryptionKeyId).toBe('2026-06');
    expect(after.keyIds).toEqual(['2026-06', '2025-01']);

    expect(await decodedValue(after, writtenBefore)).toEqual(prescription);
    expect(await decodedValue(after, writtenAfter)).toEqual(emailFailed);
    // …and the codec that only had the old key cannot read the new writing: it names the key id.
    expect((await decodeError(before, writtenAfter)).message).toContain('"2026-06"');
  });

  it('refuses a payload whose key id it does not have, naming the key id and never a key', async () => {
    const secret = rawKey();
    const writer = new EncryptionCodec([key('retired-2024', secret)]);
    const reader = new EncryptionCodec([key('current', rawKey())]);
    const error = await decodeError(reader, await encodeOne(writer, jsonPayload(prescription)));
    expect(error.keyId).toBe('retired-2024');
    expect(error.message).toContain('no key for encryption key id "retired-2024"');
    expect(error.message).toContain('PAYLOAD_ENCRYPTION_KEYS');
    expect(error.message).not.toContain(secret.toString('base64'));
    expect(error.message).not.toContain(secret.toString('hex'));
  });

  it.each([
    ['a flipped ciphertext bit', (data: Buffer) => void (data[20] = (data[20] ?? 0) ^ 0x01)],
    ['a flipped tag bit', (data: Buffer) => void (data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0x80)],
    ['a flipped IV bit', (data: Buffer) => void (data[0] = (data[0] ?? 0) ^ 0x01)],
  ])('refuses %s (the GCM tag is checked)', async (_what, tamper) => {
    const codec = new EncryptionCodec([key('k1')]);
    const encoded = await encodeOne(codec, jsonPayload(prescription));
    const data = Buffer.from(encoded.data ?? []);
    tamper(data);
    const error = await decodeError(codec, { ...encoded, data });
    expect(error.message).toContain('failed authentication');
    expect(error.keyId).toBe('k1');
  });

  it('refuses a truncated payload, a cut tag and a payload without a key id', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const encoded = await encodeOne(codec, jsonPayload(prescription));
    const data = Buffer.from(encoded.data ?? []);
    expect((await decodeError(codec, { ...encoded, data: data.subarray(0, data.length - 1) })).message).toContain('failed authentication');
    expect((await decodeError(codec, { ...encoded, data: data.subarray(0, 20) })).message).toContain('truncated');
    const metadata = { ...encoded.metadata };
    delete metadata[METADATA_ENCRYPTION_KEY_ID];
    expect((await decodeError(codec, { ...encoded, metadata })).message).toContain('no encryption-key-id');
  });

  it('refuses a payload encrypted under the same key id with a different key (a key replaced instead of rotated)', async () => {
    const encoded = await encodeOne(new EncryptionCodec([key('k1')]), jsonPayload(prescription));
    const error = await decodeError(new EncryptionCodec([key('k1')]), encoded);
    expect(error.message).toContain('failed authentication');
  });

  it('passes payloads that are not encrypted through decode untouched (histories from before encryption)', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const plain = jsonPayload(prescription);
    const binary: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.from([1, 2, 3]) };
    const nullPayload: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    const noMetadata: Payload = { data: Buffer.from('x') };
    const decoded = await codec.decode([plain, binary, nullPayload, noMetadata]);
    expect(decoded[0]).toBe(plain);
    expect(decoded[1]).toBe(binary);
    expect(decoded[2]).toBe(nullPayload);
    expect(decoded[3]).toBe(noMetadata);
    // Mixed with encrypted ones in one call, as a history written across the switch-over is.
    const mixed = await codec.decode([plain, await encodeOne(codec, jsonPayload(emailFailed))]);
    expect(mixed.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([prescription, emailFailed]);
  });

  it('stores none of a fixture’s PHI in the encoded bytes, metadata included', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const values = [prescription, emailFailed, authorization];
    const plain = Buffer.concat(values.map((value) => Buffer.from(temporal.api.common.v1.Payload.encode(jsonPayload(value)).finish())));
    // The control: in clear, every needle is there.
    for (const needle of PHI) expect(plain.includes(Buffer.from(needle, 'utf8'))).toBe(true);

    const encoded = await codec.encode(values.map(jsonPayload));
    const stored = Buffer.concat(encoded.map((payload) => Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish())));
    // Short names are looked for as the JSON strings they would be stored as ("Ana"), which random
    // ciphertext cannot produce by chance; longer ones as they are.
    for (const needle of PHI) {
      const form = Buffer.byteLength(needle) < 5 ? JSON.stringify(needle) : needle;
      expect({ needle, found: stored.includes(Buffer.from(form, 'utf8')) }).toEqual({ needle, found: false });
    }
  });

  it('refuses to be built without keys, with a duplicate id or with a key of the wrong size', () => {
    expect(() => new EncryptionCodec([])).toThrow('at least one key');
    expect(() => new EncryptionCodec([key('a'), key('a')])).toThrow('given twice');
    expect(() => new EncryptionCodec([{ id: 'short', key: createSecretKey(randomBytes(16)) }])).toThrow('32-byte');
  });

  it('does not show its keys when logged or serialized', () => {
    const bytes = rawKey();
    const codec = new EncryptionCodec([key('k1', bytes)]);
    const shown = `${JSON.stringify(codec)} ${inspect(codec, { depth: 10, showHidden: true })}`;
    expect(shown).not.toContain(bytes.toString('base64'));
    expect(shown).not.toContain(bytes.toString('hex'));
  });

  it('works from PAYLOAD_ENCRYPTION_KEYS, as every process loads it', async () => {
    const k2 = rawKey().toString('base64');
    const k1 = rawKey().toString('base64');
    const oldOnly = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: `k1:${k1}` });
    const rotated = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: `k2:${k2}, k1:${k1}` });
    if (oldOnly === undefined || rotated === undefined) throw new Error('expected encryption on');
    const written = await encodeOne(oldOnly.codec, jsonPayload(prescription));
    expect(await decodedValue(rotated.codec, written)).toEqual(prescription);
    expect(text((await encodeOne(rotated.codec, jsonPayload(1))).metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('k2');
  });
});
