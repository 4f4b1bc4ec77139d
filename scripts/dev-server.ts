import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { prepareNamespace } from '../src/temporal/namespace-setup';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/search-attributes';
import { runChild, startChild, waitUntil } from './child-process';

const TEMPORAL_CLI_SCRIPT = path.join(__dirname, 'temporal-cli.sh');

/**
 * The Temporal CLI binary, found or built by scripts/temporal-cli.sh. A build takes minutes, so
 * its progress lines go straight to our stderr.
 */
export async function temporalCliPath(): Promise<string> {
  const run = await runChild({ command: 'bash', args: [TEMPORAL_CLI_SCRIPT], stdout: 'capture', stderr: 'inherit' });
  if (run.code !== 0) throw new Error(`scripts/temporal-cli.sh failed (exit ${run.code}); see the messages above`);
  return run.stdout.trim();
}

/** A port nobody listens on right now (a small race remains; callers on loopback accept it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port?: number;
  /** Omit for a headless server. */
  uiPort?: number;
  /** File-backed SQLite; omit for in-memory. */
  dbFile?: string;
  /** Extra `--dynamic-config-value KEY=VALUE` pairs. */
  dynamicConfig?: readonly string[];
  /** `--sqlite-pragma NAME=VALUE` pairs for a file-backed database (default: FILE_DB_PRAGMAS). */
  sqlitePragmas?: readonly string[];
  /** Where the server's own output goes (default: discarded). */
  output?: 'inherit' | 'ignore';
  /** The Web UI's remote codec endpoint (the codec server); the UI POSTs to <endpoint>/decode. */
  codecEndpoint?: string;
  /** Picks the ports not given above (default: freePort); a test gives one that is taken. */
  pickPort?: (ip: string) => Promise<number>;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  /** SIGTERM and wait; SIGKILL after 10 s. */
  stop: () => Promise<void>;
  /** SIGKILL and wait: a crash, for tests of what survives one. */
  kill: () => Promise<void>;
}

const NAMESPACE = 'default';

/**
 * SQLite's defaults (a rollback journal, several fsyncs per commit) halve the dev server's start
 * throughput. A write-ahead log with synchronous=FULL keeps every acknowledged start durable (one
 * fsync per commit) at about twice the rate; measured in bench/ (README, Performance).
 */
export const FILE_DB_PRAGMAS = ['journal_mode=wal', 'synchronous=full'] as const;

// The CLI's names for search attribute types.
const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

/**
 * A port picked free can be taken by another process before the server binds it (parallel test
 * suites pick ports all the time): CI once saw `bind: address already in use` on the HTTP API's
 * port. The server then exits at once, and a start with freshly picked ports is the cure.
 */
const PORT_ATTEMPTS = 3;

class PortTakenError extends Error {}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const pickPort = options.pickPort ?? freePort;
  const port = options.port ?? (await pickPort(ip));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'error'];
  args.push('--http-port', String(await pickPort(ip)), '--metrics-port', String(await pickPort(ip)));
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.codecEndpoint !== undefined) args.push('--ui-codec-endpoint', options.codecEndpoint);
  if (options.dbFile !== undefined) args.push('--db-filename', options.dbFile);
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`);
  for (const value of options.dynamicConfig ?? []) args.push('--dynamic-config-value', value);
  if (options.dbFile !== undefined) for (const pragma of options.sqlitePragmas ?? FILE_DB_PRAGMAS) args.push('--sqlite-pragma', pragma);

  const child = startChild({
    name: 'temporal dev server',
    command: options.cliPath,
    args,
    stdout: options.output ?? 'ignore',
    stderr: 'capture',
    keep: 4_000,
    echo: options.output === 'inherit',
    graceMs: 10_000,
  });

  const address = `${ip}:${port}`;
  try {
    await waitUntil(child, `serving at ${address}`, () => serving(address), {
      timeoutMs: 60_000,
      intervalMs: 250,
      shown: () => child.output(),
    });
    const connection = await Connection.connect({ address });
    try {
      await prepareNamespace(connection, NAMESPACE);
    } finally {
      await connection.close();
    }
  } catch (error) {
    const exitedByItself = child.exited();
    await child.kill();
    if (exitedByItself && /address already in use/.test(child.output())) {
      throw new PortTakenError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    throw error;
  }

  return {
    address,
    namespace: NAMESPACE,
    uiUrl: options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`,
    process: child.process,
    stop: () => child.stop(),
    kill: () => child.kill(),
  };
}

/** Whether the frontend at `address` answers a GetSystemInfo (a refused connection throws). */
async function serving(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
    return true;
  } finally {
    await connection.close();
  }
}
