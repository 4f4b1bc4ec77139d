import { createSecretKey } from 'node:crypto';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { ConfigError, type Env } from '../../config';
import { EncryptionCodec, KEY_BYTES, type EncryptionKey } from './encryption-codec';

export const PAYLOAD_ENCRYPTION_KEYS = 'PAYLOAD_ENCRYPTION_KEYS';

/** Payload encryption as configured: the codec and, for the start-up log, which key ids it holds. */
export interface PayloadEncryption {
  codec: EncryptionCodec;
  /** The key id new payloads are encrypted with (the first one listed). */
  encryptionKeyId: string;
  /** Every key id that decrypts, the encrypting one first. */
  keyIds: readonly string[];
}

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `PAYLOAD_ENCRYPTION_KEYS` = `keyId:base64key,keyId:base64key,…` (32-byte keys, e.g. `openssl rand
 * -base64 32`). The first encrypts; all decrypt. Unset or empty: undefined (no encryption). Every
 * process that reads or writes payloads (receiver, worker, ops CLI, codec server) loads it here.
 * Errors name the setting, the entry's position and its key id, never a key.
 */
export function loadPayloadEncryption(env: Env = process.env): PayloadEncryption | undefined {
  const raw = env[PAYLOAD_ENCRYPTION_KEYS]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const keys = parseKeys(raw);
  const codec = new EncryptionCodec(keys);
  return { codec, encryptionKeyId: codec.encryptionKeyId, keyIds: codec.keyIds };
}

function parseKeys(raw: string): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const seen = new Set<string>();
  raw.split(',').forEach((entry, index) => {
    const position = `entry ${index + 1}`;
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon < 0) throw invalid(`${position} must be keyId:base64key (keys separated by commas)`);
    const id = trimmed.slice(0, colon).trim();
    const encoded = trimmed.slice(colon + 1).trim();
    if (!KEY_ID.test(id))
      throw invalid(`${position}: the key id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    if (seen.has(id)) throw invalid(`${position}: key id "${id}" is listed twice`);
    seen.add(id);
    const key = BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64') : undefined;
    if (key === undefined || key.length !== KEY_BYTES) {
      throw invalid(
        `${position} (key id "${id}"): the key must be ${KEY_BYTES} bytes in base64, such as the output of openssl rand -base64 32`,
      );
    }
    keys.push({ id, key: createSecretKey(key) });
    key.fill(0);
  });
  return keys;
}

const invalid = (reason: string): ConfigError => new ConfigError(PAYLOAD_ENCRYPTION_KEYS, reason);

/** The codecs for a Client's or a Worker's `dataConverter`: none when encryption is off. */
export function payloadCodecsFor(encryption: PayloadEncryption | undefined): PayloadCodec[] {
  return encryption === undefined ? [] : [encryption.codec];
}

/** Where the failure converter lives: message and stack trace encoded, so the codec encrypts them. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** A `dataConverter` for `new Client(…)` and `Worker.create(…)`: payloads and failures both encoded. */
export function dataConverterFor(encryption: PayloadEncryption | undefined): DataConverter {
  return { payloadCodecs: payloadCodecsFor(encryption), failureConverterPath: FAILURE_CONVERTER_PATH };
}

export interface EncryptionStatus {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/** What each process logs at start, so an operator sees at once whether PHI is stored in clear. */
export function payloadEncryptionStatus(encryption: PayloadEncryption | undefined): EncryptionStatus {
  if (encryption === undefined) {
    return {
      level: 'warn',
      message: `payload encryption is off (${PAYLOAD_ENCRYPTION_KEYS} unset): event data, PHI included, is stored in Temporal in clear`,
      fields: { payloadEncryption: 'off' },
    };
  }
  return {
    level: 'info',
    message: 'payload encryption is on',
    fields: { payloadEncryption: 'on', encryptionKeyId: encryption.encryptionKeyId, decryptionKeyIds: encryption.keyIds },
  };
}
