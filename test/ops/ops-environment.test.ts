import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEV_KEYS_FILE, DEV_STACK_FILE, readDevStack, removeDevStack, writeDevStack } from '../../src/ops/dev-stack';
import { opsEnvironment } from '../../src/ops/ops-environment';

const KEYS = 'dev-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ops-env-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function layKeys(): string {
  const file = path.join(root, DEV_KEYS_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${KEYS}\n`);
  return file;
}

it('leaves an operator-chosen environment alone, and production always', () => {
  const keysFile = layKeys();
  writeDevStack(root, { address: '127.0.0.1:7999', namespace: 'dev', payloadEncryptionKeysFile: keysFile, pid: process.pid });
  for (const env of [
    { TEMPORAL_ADDRESS: 'temporal.internal:7233' },
    { PAYLOAD_ENCRYPTION_KEYS: KEYS },
    { TEMPORAL_PROFILE: 'prod' },
    { OSIGU_ENVIRONMENT: 'production' },
  ]) {
    expect(opsEnvironment(env, root)).toEqual({ env, notice: undefined });
  }
});

it('uses a running dev stack: address, namespace and the key from its file, never printing the key', () => {
  const keysFile = layKeys();
  writeDevStack(root, { address: '127.0.0.1:7999', namespace: 'dev', payloadEncryptionKeysFile: keysFile, pid: process.pid });
  const { env, notice } = opsEnvironment({}, root);
  expect(env).toEqual({ TEMPORAL_ADDRESS: '127.0.0.1:7999', TEMPORAL_NAMESPACE: 'dev', PAYLOAD_ENCRYPTION_KEYS: KEYS });
  expect(notice).toContain(
    "using npm run dev's stack (Temporal 127.0.0.1:7999, namespace dev, the payload key in .temporal/dev-keys/payload-encryption-keys)",
  );
  expect(notice).not.toContain(KEYS);
});

it('says when the dev stack took its keys from the environment', () => {
  writeDevStack(root, { address: '127.0.0.1:7999', namespace: 'default', payloadEncryptionKeysFile: null, pid: process.pid });
  const { env, notice } = opsEnvironment({}, root);
  expect(env).toEqual({ TEMPORAL_ADDRESS: '127.0.0.1:7999', TEMPORAL_NAMESPACE: 'default' });
  expect(notice).toContain('export the same here');
});

it('tells a stack file left by a stopped npm run dev from a running one, and still offers the dev key', () => {
  layKeys();
  // A pid far above any pid_max: no such process.
  writeDevStack(root, { address: '127.0.0.1:7999', namespace: 'default', payloadEncryptionKeysFile: null, pid: 2 ** 30 });
  expect(readDevStack(root).kind).toBe('stopped');
  const { env, notice } = opsEnvironment({}, root);
  expect(env).toEqual({ PAYLOAD_ENCRYPTION_KEYS: KEYS });
  expect(notice).toContain(`npm run dev (pid ${2 ** 30}) is not running`);
});

it('with no dev stack at all, changes nothing and says nothing', () => {
  expect(opsEnvironment({}, root)).toEqual({ env: {}, notice: undefined });
});

it('names an unreadable stack file instead of trusting it', () => {
  mkdirSync(path.join(root, '.temporal'), { recursive: true });
  writeFileSync(path.join(root, DEV_STACK_FILE), '{"address": 1}');
  expect(readDevStack(root)).toEqual({ kind: 'unreadable', reason: 'not in the expected shape' });
  expect(opsEnvironment({}, root).notice).toContain('unusable');
  removeDevStack(root);
  expect(readDevStack(root).kind).toBe('absent');
});
