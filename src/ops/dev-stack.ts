// What `npm run dev` tells other local tools about the stack it runs: the Temporal address and
// namespace, and where its payload encryption key lives (the path, never the key). The ops CLI
// reads it when nothing is exported, so an operator trying the product locally gets a tool that
// can decrypt what the dev worker wrote, instead of one that sees only `binary/encrypted`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Relative to the project root, beside the dev database it describes (git-ignored). */
export const DEV_STACK_FILE = path.join('.temporal', 'dev-stack.json');
/** Where scripts/dev-keys.ts keeps the dev payload key (relative to the project root). */
export const DEV_KEYS_FILE = path.join('.temporal', 'dev-keys', 'payload-encryption-keys');

/** Where npm run dev's codec server appends its audit lines (relative to the project root). */
export const DEV_CODEC_AUDIT_FILE = path.join('.temporal', 'codec-audit.log');

const devStackSchema = z.object({
  address: z.string().min(1),
  namespace: z.string().min(1),
  /** Absolute path of the file holding PAYLOAD_ENCRYPTION_KEYS, or null when they came from the environment. */
  payloadEncryptionKeysFile: z.string().min(1).nullable(),
  /** The `npm run dev` process, to tell a running stack from a file left by one that was killed. */
  pid: z.number().int().positive(),
});

export type DevStack = z.infer<typeof devStackSchema>;

export function writeDevStack(root: string, stack: DevStack): void {
  mkdirSync(path.join(root, path.dirname(DEV_STACK_FILE)), { recursive: true });
  writeFileSync(path.join(root, DEV_STACK_FILE), `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

export function removeDevStack(root: string): void {
  rmSync(path.join(root, DEV_STACK_FILE), { force: true });
}

export type DevStackReading =
  { kind: 'running'; stack: DevStack } | { kind: 'stopped'; stack: DevStack } | { kind: 'absent' } | { kind: 'unreadable'; reason: string };

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function readDevStack(root: string): DevStackReading {
  const file = path.join(root, DEV_STACK_FILE);
  if (!existsSync(file)) return { kind: 'absent' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  }
  const result = devStackSchema.safeParse(parsed);
  if (!result.success) return { kind: 'unreadable', reason: 'not in the expected shape' };
  return alive(result.data.pid) ? { kind: 'running', stack: result.data } : { kind: 'stopped', stack: result.data };
}
