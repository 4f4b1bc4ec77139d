// Which Temporal, and which payload keys, the ops CLI uses. In production the operator's
// environment says (the same variables the worker reads). On a developer's machine with nothing
// exported, the CLI uses what `npm run dev` uses, and says so: a tool that cannot decrypt what the
// dev worker wrote would report encrypted entities as unreadable, which is no help to a newcomer.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../config';
import { PAYLOAD_ENCRYPTION_KEYS } from '../temporal/codec/settings';
import { CODEC_SERVER_AUDIT_LOG } from '../codec-server/config';
import { DEV_CODEC_AUDIT_FILE, DEV_KEYS_FILE, DEV_STACK_FILE, readDevStack } from './dev-stack';

/** Any of these exported means the operator chose a Temporal (or keys) on purpose. */
const CHOSEN = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_API_KEY',
  PAYLOAD_ENCRYPTION_KEYS,
] as const;

export interface OpsEnvironment {
  env: Env;
  /** For stderr: where the settings came from, when they were not the operator's own. Never a secret. */
  notice: string | undefined;
}

const set = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

/** npm run dev's codec audit file, for `ops audit`, unless one was named. */
const devCodecAudit = (env: Env, root: string): Env => {
  const file = path.join(root, DEV_CODEC_AUDIT_FILE);
  return set(env, CODEC_SERVER_AUDIT_LOG) || !existsSync(file) ? {} : { [CODEC_SERVER_AUDIT_LOG]: file };
};

export function opsEnvironment(env: Env, root: string): OpsEnvironment {
  if (env.OSIGU_ENVIRONMENT === 'production' || CHOSEN.some((name) => set(env, name))) return { env, notice: undefined };

  const reading = readDevStack(root);
  if (reading.kind === 'running') {
    const { address, namespace, payloadEncryptionKeysFile } = reading.stack;
    const keys =
      payloadEncryptionKeysFile === null || !existsSync(payloadEncryptionKeysFile)
        ? undefined
        : readFileSync(payloadEncryptionKeysFile, 'utf8').trim();
    const keysSaid =
      keys === undefined
        ? `no payload key (npm run dev took ${PAYLOAD_ENCRYPTION_KEYS} from its environment: export the same here)`
        : `the payload key in ${path.relative(root, payloadEncryptionKeysFile ?? '')}`;
    return {
      env: {
        ...env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        ...(keys === undefined ? {} : { [PAYLOAD_ENCRYPTION_KEYS]: keys }),
        ...devCodecAudit(env, root),
      },
      notice: `ops: nothing exported: using npm run dev's stack (Temporal ${address}, namespace ${namespace}, ${keysSaid}); export TEMPORAL_ADDRESS and ${PAYLOAD_ENCRYPTION_KEYS} to use another`,
    };
  }

  const keysFile = path.join(root, DEV_KEYS_FILE);
  if (!existsSync(keysFile)) {
    const unreadable = reading.kind === 'unreadable' ? ` (${DEV_STACK_FILE} unreadable: ${reading.reason})` : '';
    return { env, notice: unreadable === '' ? undefined : `ops: nothing exported, and npm run dev's stack file is unusable${unreadable}` };
  }
  const why =
    reading.kind === 'stopped' ? `npm run dev (pid ${reading.stack.pid}) is not running` : 'npm run dev does not seem to be running';
  return {
    env: { ...env, [PAYLOAD_ENCRYPTION_KEYS]: readFileSync(keysFile, 'utf8').trim(), ...devCodecAudit(env, root) },
    notice: `ops: nothing exported: ${why}; using the default Temporal address and the dev payload key in ${DEV_KEYS_FILE}`,
  };
}
