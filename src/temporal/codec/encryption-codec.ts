import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The `encoding` of a payload this codec encrypted; anything else passes decode untouched. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so keys can rotate. */
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

/**
 * Metadata naming the format: `2` binds the key id into GCM's additional data, so a payload
 * whose key-id metadata was swapped does not authenticate. Absent: written before that (no
 * additional data), still decrypted. Stripping it does not downgrade a v2 payload: its tag
 * covers the additional data, so decrypting it without fails.
 */
export const METADATA_ENCRYPTION_FORMAT = 'encryption-format';
const FORMAT_KEY_ID_BOUND = '2';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** A key and the id stored beside every payload it encrypts. The key is a KeyObject, so logging it never prints it. */
export interface EncryptionKey {
  id: string;
  key: KeyObject;
}

/** A payload this codec cannot decrypt. Names the key id, never a key or the payload's bytes. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  constructor(
    message: string,
    readonly keyId: string | undefined,
  ) {
    super(message);
  }
}

const text = new TextEncoder();

/** The additional data of a v2 payload: a fixed label and the key id. */
const additionalData = (keyId: string): Buffer => Buffer.from(`osigu-webhooks payload v2\0${keyId}`, 'utf8');
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A key id as it may appear in a message: it comes from stored metadata, so it is quoted and cut short. */
const quoted = (keyId: string): string => JSON.stringify(keyId.length > 64 ? `${keyId.slice(0, 64)}…` : keyId);

/** node:crypto is synchronous; the codec interface is not. A throw becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * AES-256-GCM over each whole payload (metadata and data, as a length-delimited protobuf), as in
 * Temporal's encryption sample: `data` = 12-byte random IV ‖ ciphertext ‖ 16-byte tag, metadata
 * `encoding: binary/encrypted`, `encryption-key-id` and `encryption-format: 2`, the key id bound
 * into the additional data. With random 96-bit IVs one key must not encrypt more than 2^32
 * payloads (NIST SP 800-38D): rotate well before (README, Security). The first key encrypts; every key decrypts,
 * so a rotation adds a new key in front and keeps the old ones for the histories they wrote.
 * Payloads that are not encrypted (written before encryption was turned on) decode as they are.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly encryptWith: EncryptionKey;
  private readonly keys: ReadonlyMap<string, KeyObject>;

  constructor(keys: readonly EncryptionKey[]) {
    const [first] = keys;
    if (first === undefined) throw new Error('EncryptionCodec needs at least one key');
    const byId = new Map<string, KeyObject>();
    for (const { id, key } of keys) {
      if (byId.has(id)) throw new Error(`EncryptionCodec: key id ${quoted(id)} given twice`);
      if (key.type !== 'secret' || key.symmetricKeySize !== KEY_BYTES)
        throw new Error(`EncryptionCodec: key ${quoted(id)} is not a ${KEY_BYTES}-byte secret key`);
      byId.set(id, key);
    }
    this.encryptWith = first;
    this.keys = byId;
  }

  /** The id new payloads are encrypted with. */
  get encryptionKeyId(): string {
    return this.encryptWith.id;
  }

  /** Every id this codec decrypts, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.encrypt(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.decrypt(payload)));
  }

  private encrypt(payload: Payload): Payload {
    const plaintext = temporal.api.common.v1.Payload.encodeDelimited(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.encryptWith.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.encryptWith.id));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: text.encode(ENCRYPTED_ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: text.encode(this.encryptWith.id),
        [METADATA_ENCRYPTION_FORMAT]: text.encode(FORMAT_KEY_ID_BOUND),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (encoding === undefined || encoding === null || utf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;

    const keyIdBytes = payload.metadata?.[METADATA_ENCRYPTION_KEY_ID];
    if (keyIdBytes === undefined || keyIdBytes === null || keyIdBytes.length === 0) {
      throw new PayloadDecryptionError(`encrypted payload has no ${METADATA_ENCRYPTION_KEY_ID} metadata`, undefined);
    }
    const keyId = utf8.decode(keyIdBytes);
    const key = this.keys.get(keyId);
    if (key === undefined) {
      throw new PayloadDecryptionError(
        `no key for encryption key id ${quoted(keyId)}: add it to PAYLOAD_ENCRYPTION_KEYS (known key ids: ${this.keyIds.map(quoted).join(', ')})`,
        keyId,
      );
    }
    const data = payload.data ?? new Uint8Array(0);
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload with key id ${quoted(keyId)} is truncated (${data.length} bytes)`, keyId);
    }
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      const format = payload.metadata?.[METADATA_ENCRYPTION_FORMAT];
      if (format !== undefined && format !== null) {
        if (utf8.decode(format) !== FORMAT_KEY_ID_BOUND) throw new Error('unknown format');
        decipher.setAAD(additionalData(keyId));
      }
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload with key id ${quoted(keyId)} failed authentication: altered, truncated, or the key behind that id has changed`,
        keyId,
      );
    }
    try {
      return temporal.api.common.v1.Payload.decodeDelimited(plaintext);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload with key id ${quoted(keyId)} decrypted to something that is not a payload`,
        keyId,
      );
    }
  }
}
