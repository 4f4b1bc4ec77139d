import { randomBytes } from 'node:crypto';
import { ConfigError, type Env } from '../../../src/config';
import { dataConverterFor, loadPayloadEncryption, payloadCodecsFor, payloadEncryptionStatus } from '../../../src/temporal/codec/settings';

const b64 = (bytes = 32): string => randomBytes(bytes).toString('base64');

function refusal(env: Env): ConfigError {
  let thrown: unknown;
  try {
    loadPayloadEncryption(env);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(thrown)}`);
  expect(thrown.setting).toBe('PAYLOAD_ENCRYPTION_KEYS');
  expect(thrown.message.startsWith('PAYLOAD_ENCRYPTION_KEYS: ')).toBe(true);
  return thrown;
}

describe('loadPayloadEncryption (PAYLOAD_ENCRYPTION_KEYS)', () => {
  it('is off when unset or empty: no codec, and the status says PHI is stored in clear', () => {
    for (const env of [{}, { PAYLOAD_ENCRYPTION_KEYS: '' }, { PAYLOAD_ENCRYPTION_KEYS: '   ' }]) {
      expect(loadPayloadEncryption(env)).toBeUndefined();
    }
    expect(payloadCodecsFor(undefined)).toEqual([]);
    expect(dataConverterFor(undefined)).toEqual({
      payloadCodecs: [],
      failureConverterPath: expect.stringContaining('failure-converter') as unknown,
    });
    const status = payloadEncryptionStatus(undefined);
    expect(status.level).toBe('warn');
    expect(status.message).toContain('PAYLOAD_ENCRYPTION_KEYS unset');
    expect(status.message).toContain('in clear');
  });

  it('reads keyId:base64key pairs: the first encrypts, all decrypt; spaces around entries are fine', () => {
    const encryption = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: ` 2026-06:${b64()} , 2025-01:${b64()},legacy_1:${b64()} ` });
    expect(encryption?.encryptionKeyId).toBe('2026-06');
    expect(encryption?.keyIds).toEqual(['2026-06', '2025-01', 'legacy_1']);
    expect(payloadCodecsFor(encryption)).toEqual([encryption?.codec]);
    const status = payloadEncryptionStatus(encryption);
    expect(status).toMatchObject({
      level: 'info',
      fields: { payloadEncryption: 'on', encryptionKeyId: '2026-06', decryptionKeyIds: ['2026-06', '2025-01', 'legacy_1'] },
    });
  });

  it.each([
    ['no colon', () => b64(), 'entry 1 must be keyId:base64key'],
    ['an empty key id', () => `:${b64()}`, 'entry 1: the key id must be'],
    ['a key id with a space', () => `my key:${b64()}`, 'entry 1: the key id must be'],
    ['a 16-byte key', () => `k1:${b64(16)}`, 'entry 1 (key id "k1"): the key must be 32 bytes'],
    ['a 33-byte key', () => `k1:${b64(33)}`, 'entry 1 (key id "k1"): the key must be 32 bytes'],
    ['a key that is not base64', () => `k1:${'z'.repeat(43)}!`, 'entry 1 (key id "k1"): the key must be 32 bytes'],
    ['a hex key', () => `k1:${randomBytes(32).toString('hex')}`, 'entry 1 (key id "k1"): the key must be 32 bytes'],
    ['an empty entry', () => `k1:${b64()},`, 'entry 2 must be keyId:base64key'],
    ['a bad second entry', () => `k1:${b64()},k2:short`, 'entry 2 (key id "k2")'],
    ['a duplicate key id', () => `k1:${b64()},k1:${b64()}`, 'entry 2: key id "k1" is listed twice'],
  ])('refuses %s, naming the setting and the entry', (_what, value, reason) => {
    expect(refusal({ PAYLOAD_ENCRYPTION_KEYS: value() }).message).toContain(reason);
  });

  it('never puts a key in its error message', () => {
    const good = b64();
    const bad = b64(16);
    const error = refusal({ PAYLOAD_ENCRYPTION_KEYS: `k1:${good},k2:${bad}` });
    expect(error.message).not.toContain(good);
    expect(error.message).not.toContain(bad);
  });
});
