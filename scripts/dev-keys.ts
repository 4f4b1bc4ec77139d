/**
 * `npm run dev`'s payload encryption key and codec server token: made once and kept in
 * .temporal/dev-keys/ (git-ignored, owner-only), beside the dev database they belong to, so
 * workflows written in one session still decrypt in the next. PAYLOAD_ENCRYPTION_KEYS or
 * CODEC_SERVER_TOKEN in the environment win over the files.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../src/config';
import { MIN_TOKEN_LENGTH } from '../src/codec-server/config';
import { loadPayloadEncryption } from '../src/temporal/codec/settings';

/**
 * The receiver's webhook secret when OSIGU_WEBHOOK_SECRET is unset (README): published, so that
 * `npm run dev`, the simulator and the bench sign and verify with no setup. src/config.ts refuses
 * it in production.
 */
export { DEV_WEBHOOK_SECRET } from '../src/config';

export const KEYS_FILE = 'payload-encryption-keys';
export const TOKEN_FILE = 'codec-server-token';

export interface DevSecrets {
  payloadEncryptionKeys: string;
  codecServerToken: string;
  /** Where each came from, for the start-up summary (never the values). */
  keysFrom: 'environment' | 'file' | 'new file';
  tokenFrom: 'environment' | 'file' | 'new file';
  dir: string;
}

function readOrCreate(file: string, make: () => string): { value: string; from: 'file' | 'new file' } {
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), from: 'file' };
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { value, from: 'new file' };
}

const given = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

export function devSecrets(dir: string, env: Env = process.env): DevSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const keysGiven = given(env, 'PAYLOAD_ENCRYPTION_KEYS');
  const keys =
    keysGiven === undefined ? readOrCreate(path.join(dir, KEYS_FILE), () => `dev-1:${randomBytes(32).toString('base64')}`) : undefined;
  const tokenGiven = given(env, 'CODEC_SERVER_TOKEN');
  const token =
    tokenGiven === undefined ? readOrCreate(path.join(dir, TOKEN_FILE), () => randomBytes(32).toString('base64url')) : undefined;
  const secrets: DevSecrets = {
    payloadEncryptionKeys: keysGiven ?? keys?.value ?? '',
    codecServerToken: tokenGiven ?? token?.value ?? '',
    keysFrom: keys?.from ?? 'environment',
    tokenFrom: token?.from ?? 'environment',
    dir,
  };
  // Fail here, with the setting's name, rather than in three child processes at once.
  loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: secrets.payloadEncryptionKeys });
  if (secrets.codecServerToken.length < MIN_TOKEN_LENGTH)
    throw new Error(`CODEC_SERVER_TOKEN (${secrets.tokenFrom}): at least ${MIN_TOKEN_LENGTH} characters`);
  return secrets;
}
