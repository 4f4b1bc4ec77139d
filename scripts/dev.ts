/**
 * `npm run dev`: the whole stack on one machine for a newcomer. A Temporal dev server with a
 * file-backed database under .temporal/ and its Web UI, a worker, the receiver and the codec server
 * (payloads are encrypted; keys in .temporal/dev-keys/); Ctrl-C stops them all, receiver first so
 * nothing is acknowledged that Temporal did not take.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { singleHostWorkerTuning } from '../src/config';
import { DEV_CODEC_AUDIT_FILE, removeDevStack, writeDevStack } from '../src/ops/dev-stack';
import { startChild, type Child } from './child-process';
import { DEV_WEBHOOK_SECRET, devSecrets, KEYS_FILE } from './dev-keys';
import { startDevServer, temporalCliPath, type DevServer } from './dev-server';

const ROOT = path.resolve(__dirname, '..');

function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** One of our processes, its output on our terminal; SIGKILL 15 s after a SIGTERM it ignored. */
function startProcess(name: string, entry: string, extraEnv: Record<string, string>): Child {
  const child = startChild({
    name,
    command: process.execPath,
    args: ['--require', 'tsx/cjs', entry],
    cwd: ROOT,
    stdout: 'inherit',
    stderr: 'inherit',
    env: { ...process.env, ...extraEnv },
    graceMs: 15_000,
  });
  child.onUnexpectedExit(({ code, signal }) => {
    if (!stopping) {
      process.stderr.write(`dev: ${name} exited (${code ?? signal}); stopping everything\n`);
      void stop(1);
    }
  });
  return child;
}

let stopping = false;
let temporal: DevServer | undefined;
let worker: Child | undefined;
let receiver: Child | undefined;
let codecServer: Child | undefined;

let stopped: Promise<never> | undefined;

/** Idempotent: Ctrl-C reaches us more than once (from the terminal and from tsx relaying it). */
function stop(code: number): Promise<never> {
  stopping = true;
  stopped ??= (async () => {
    await receiver?.stop();
    await worker?.stop();
    await codecServer?.stop();
    await temporal?.stop();
    removeDevStack(ROOT);
    process.stderr.write('dev: stopped\n');
    process.exit(code);
  })();
  return stopped;
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));

  const ip = env('DEV_TEMPORAL_IP', '127.0.0.1');
  const port = Number(env('DEV_TEMPORAL_PORT', '7233'));
  const uiPort = Number(env('DEV_TEMPORAL_UI_PORT', '8233'));
  const dataDir = path.join(ROOT, '.temporal');
  mkdirSync(dataDir, { recursive: true });
  const secrets = devSecrets(path.join(dataDir, 'dev-keys'));
  const codecPort = env('CODEC_SERVER_PORT', '8888');
  const codecOrigin = `http://127.0.0.1:${codecPort}`;

  process.stderr.write('dev: finding the Temporal CLI (the first run builds it: several minutes)\n');
  const cliPath = await temporalCliPath();
  process.stderr.write(`dev: starting Temporal on ${ip}:${port} with its database at .temporal/dev.db\n`);
  temporal = await startDevServer({ cliPath, ip, port, uiPort, dbFile: path.join(dataDir, 'dev.db'), codecEndpoint: codecOrigin });
  // For `npm run ops` with nothing exported: this Temporal, and where its payload key is (not the key).
  writeDevStack(ROOT, {
    address: temporal.address,
    namespace: temporal.namespace,
    payloadEncryptionKeysFile: secrets.keysFrom === 'environment' ? null : path.join(secrets.dir, KEYS_FILE),
    pid: process.pid,
  });

  const secretGiven = (process.env.OSIGU_WEBHOOK_SECRET ?? '') !== '';
  const shared = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    OSIGU_WEBHOOK_SECRET: env('OSIGU_WEBHOOK_SECRET', DEV_WEBHOOK_SECRET),
    OSIGU_ENVIRONMENT: env('OSIGU_ENVIRONMENT', 'sandbox'),
    HOST: env('HOST', '127.0.0.1'),
    PAYLOAD_ENCRYPTION_KEYS: secrets.payloadEncryptionKeys,
  };
  // The dev server shares this machine: fewer slots, unless WORKER_* says otherwise.
  worker = startProcess('worker', 'src/worker.ts', { ...shared, ...singleHostWorkerTuning(process.env) });
  receiver = startProcess('receiver', 'src/http/server.ts', shared);
  codecServer = startProcess('codec server', 'src/codec-server/server.ts', {
    ...shared,
    CODEC_SERVER_TOKEN: secrets.codecServerToken,
    CODEC_SERVER_PORT: codecPort,
    CODEC_SERVER_HOST: '127.0.0.1',
    CODEC_SERVER_CORS_ORIGINS: env('CODEC_SERVER_CORS_ORIGINS', `http://127.0.0.1:${uiPort},http://localhost:${uiPort}`),
    // Every decode is someone reading PHI: kept where `npm run ops -- audit` finds it.
    CODEC_SERVER_AUDIT_LOG: env('CODEC_SERVER_AUDIT_LOG', path.join(ROOT, DEV_CODEC_AUDIT_FILE)),
  });
  const tokenFile = path.relative(process.cwd(), path.join(secrets.dir, 'codec-server-token'));

  const port_ = env('PORT', '3000');
  const webhookPath = env('WEBHOOK_PATH', '/osigu/webhooks');
  process.stderr.write(
    [
      '',
      `  Receiver   http://127.0.0.1:${port_}${webhookPath}   (health: /healthz, /readyz)`,
      `  Web UI     ${temporal.uiUrl ?? '(headless)'}`,
      `  Temporal   ${temporal.address}   namespace ${temporal.namespace}   (npm run --silent temporal:cli gives the CLI)`,
      `  Secret     ${secretGiven ? 'OSIGU_WEBHOOK_SECRET from your environment' : 'the development secret named in the README (OSIGU_WEBHOOK_SECRET unset)'}`,
      `  Payloads   encrypted (key ${secrets.keysFrom === 'environment' ? 'from PAYLOAD_ENCRYPTION_KEYS' : `in ${path.relative(process.cwd(), path.join(secrets.dir, 'payload-encryption-keys'))}`}); the Web UI shows them through the codec server`,
      `  Codec      ${codecOrigin}   token ${secrets.tokenFrom === 'environment' ? 'from CODEC_SERVER_TOKEN' : `in ${tokenFile}`}`,
      `             Web UI: 1. open ${codecOrigin}/codec/login and paste the token (once per browser, 8 h);`,
      `             2. in ${temporal.uiUrl ?? 'the Web UI'} (same host name), the Codec Server button in the top bar:`,
      `             "Use my browser setting and ignore Cluster-level setting.", endpoint ${codecOrigin},`,
      `             switch on "Include cross-origin credentials", Apply. (The cluster-level setting sends no cookie.)`,
      `             Scripts: curl -H "Authorization: Bearer $(cat ${tokenFile})" -H 'Content-Type: application/json' ${codecOrigin}/codec/decode -d '{"payloads":[…]}'`,
      '',
      '  Ctrl-C stops them all.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch(async (error: unknown) => {
  process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
});
