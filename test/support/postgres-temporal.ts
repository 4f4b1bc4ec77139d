import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { runChild, startChild, waitUntil, type Child } from '../../scripts/child-process';
import { freePort, type DevServer, type DevServerOptions } from '../../scripts/dev-server';
import { prepareNamespace } from '../../src/temporal/namespace-setup';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes';

/**
 * TEMPORAL_TEST_SERVER=postgres: the integration tests run against the real Temporal server on
 * PostgreSQL (scripts/temporal-postgres.sh, deploy/temporal/postgres.yaml) instead of the dev
 * server. Each startTemporal() gets its own server process on free ports and its own pair of
 * databases, named after this Jest worker's pid and the frontend port; a restart with the same
 * `dbFile` (or, without one, the same `port`) reuses both, like a dev server reopening its file.
 * The databases are copies of a migrated template pair; a server that cannot be restarted drops
 * its own when stopped, and the next run drops those left by Jest workers that are gone.
 */
export function postgresTemporalRequested(): boolean {
  return process.env.TEMPORAL_TEST_SERVER === 'postgres';
}

const SCRIPT = path.resolve(__dirname, '../../scripts/temporal-postgres.sh');
const NAMESPACE = 'default';
const DB_PREFIX = 'temporal_osigu_t';
/** Migrated once, copied for each server (CREATE DATABASE … TEMPLATE: ~0.1 s instead of ~4 s). */
const TEMPLATES = {
  TEMPORAL_PG_TEMPLATE_DB: 'temporal_osigu_test_template',
  TEMPORAL_PG_TEMPLATE_VISIBILITY_DB: 'temporal_osigu_test_template_vis',
};
/** How often each service re-reads namespaces (search attribute aliases live in the namespace). */
const NAMESPACE_REFRESH_MS = 1_000;

interface Cluster {
  env: Record<string, string>;
  address: string;
}

/** Keyed by `dbFile`, else by `port`; absent for one-off servers. */
const clusters = new Map<string, Cluster>();
let installed: Promise<void> | undefined;
let collected: Promise<void> | undefined;

async function run(command: string, args: string[], env: Record<string, string>, showStderr = false): Promise<string> {
  let result;
  try {
    // A first build takes minutes: with showStderr its progress lines go straight to our stderr.
    result = await runChild({ command, args, env: { ...process.env, ...env }, echo: showStderr && 'stderr only' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${command} not found (TEMPORAL_TEST_SERVER=postgres needs bash and PostgreSQL's psql)`);
    throw error;
  }
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.slice(-4_000)}`);
  return result.stdout;
}

const psql = (sql: string): Promise<string> =>
  run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-tA', '-d', process.env.PGMAINTENANCE_DB ?? 'postgres', '-c', sql], {
    PGHOST: process.env.PGHOST ?? '127.0.0.1',
    PGPORT: process.env.PGPORT ?? '5432',
    PGUSER: process.env.PGUSER ?? 'postgres',
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops the test databases of Jest workers that no longer exist (once per worker). */
async function collectStaleDatabases(): Promise<void> {
  const names = (await psql(`SELECT datname FROM pg_database WHERE datname LIKE '${DB_PREFIX}%'`)).split('\n').filter(Boolean);
  for (const name of names) {
    const pid = Number(/^temporal_osigu_t(\d+)_/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
      await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    }
  }
}

async function uniqueFreePorts(count: number, taken: Set<number>, pick: () => Promise<number>): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await pick();
    if (!taken.has(port)) {
      taken.add(port);
      ports.push(port);
    }
  }
  return ports;
}

/**
 * A free port below 32768, i.e. outside Linux's ephemeral range that `freePort()` draws from:
 * the SQL schema stores each service's membership port as a SMALLINT (cluster_membership.rpc_port),
 * and a server given a larger one dies at start ("37153 is greater than maximum value for int2").
 */
async function freeLowPort(ip: string): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, ip, () => resolve(true));
    });
    if (ok) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

/** A test-only dynamic config: the dev server's own defaults, plus a fast namespace refresh. */
function writeDynamicConfig(extra: readonly string[]): string {
  const values: Record<string, unknown> = {
    // As `temporal server start-dev` sets them (temporalcli/commands.server.go, devserver/server.go).
    'system.forceSearchAttributesCacheRefreshOnRead': true,
    'frontend.persistenceMaxQPS': 10_000,
    'history.persistenceMaxQPS': 45_000,
    'frontend.namespaceRPS.visibility': 100, // default 10: tests poll visibility a lot
    'history.cacheHostLevelMaxSize': 8096,
    // Default 2s; new search attribute aliases are usable once every service has refreshed.
    'system.namespaceCacheRefreshInterval': `${NAMESPACE_REFRESH_MS / 1000}s`,
  };
  for (const pair of extra) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`dynamic config value ${pair}: want KEY=JSON`);
    values[pair.slice(0, at)] = JSON.parse(pair.slice(at + 1)) as unknown;
  }
  // JSON is YAML.
  const yaml = Object.entries(values)
    .map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n    constraints: {}\n`)
    .join('');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'osigu-temporal-pg-')), 'dynamicconfig.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Every port but the frontend's, which the caller may have fixed. */
async function internalPorts(ip: string, frontend: number): Promise<Record<string, string>> {
  const taken = new Set([frontend]);
  const [http, history, matching, worker] = await uniqueFreePorts(4, taken, () => freePort(ip));
  const [frontendMember, historyMember, matchingMember, workerMember] = await uniqueFreePorts(4, taken, () => freeLowPort(ip));
  return {
    TEMPORAL_PG_FRONTEND_HTTP_PORT: String(http),
    TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT: String(frontendMember),
    TEMPORAL_PG_HISTORY_PORT: String(history),
    TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT: String(historyMember),
    TEMPORAL_PG_MATCHING_PORT: String(matching),
    TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT: String(matchingMember),
    TEMPORAL_PG_WORKER_PORT: String(worker),
    TEMPORAL_PG_WORKER_MEMBERSHIP_PORT: String(workerMember),
  };
}

async function newCluster(options: Partial<DevServerOptions>): Promise<Cluster> {
  const ip = options.ip ?? '127.0.0.1';
  const frontend = options.port ?? (await freePort(ip));
  const env: Record<string, string> = {
    ...TEMPLATES,
    TEMPORAL_PG_DB: `${DB_PREFIX}${process.pid}_${frontend}`,
    TEMPORAL_PG_VISIBILITY_DB: `${DB_PREFIX}${process.pid}_${frontend}_vis`,
    TEMPORAL_PG_BIND_IP: ip,
    TEMPORAL_PG_FRONTEND_PORT: String(frontend),
    ...(await internalPorts(ip, frontend)),
    // Each of the four services has its own pools: at most 4 × (4 + 2) connections per server,
    // so that two servers per Jest run (and whatever else uses this PostgreSQL) stay well under
    // the default max_connections of 100.
    TEMPORAL_PG_MAX_CONNS: process.env.TEMPORAL_PG_MAX_CONNS ?? '4',
    TEMPORAL_PG_VISIBILITY_MAX_CONNS: process.env.TEMPORAL_PG_VISIBILITY_MAX_CONNS ?? '2',
    TEMPORAL_PG_LOG_LEVEL: process.env.TEMPORAL_PG_LOG_LEVEL ?? 'error',
    TEMPORAL_PG_DYNAMIC_CONFIG: writeDynamicConfig(options.dynamicConfig ?? []),
  };
  // Fresh databases, copied from the migrated templates (a leftover of a killed run with this
  // pid and port is dropped first).
  await run('bash', [SCRIPT, 'reset', '--force'], env);
  return { env, address: `${ip}:${frontend}` };
}

async function launch(cluster: Cluster, options: Partial<DevServerOptions>): Promise<Child> {
  const child = startChild({
    name: 'temporal server (PostgreSQL)',
    command: 'bash',
    args: [SCRIPT, 'start'],
    env: { ...process.env, ...cluster.env },
    keep: 6_000,
    echo: options.output === 'inherit',
    graceMs: 10_000,
  });
  // If this Jest worker dies without stopping the server (a hook timed out, Jest force-exited it),
  // the watchdog's stdin closes and it kills the server, which would otherwise live on. A line on
  // stdin (written by stop) lets it go without killing. Spawned bare, not with child-process.ts:
  // it is meant to outlive us, unwaited and never stopped.
  const watchdog = spawn('bash', ['-c', 'read -r _ || kill -KILL "$0" 2>/dev/null', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  void child.exit.then(() => watchdog.stdin?.end('\n'));
  try {
    await waitUntilReady(cluster.address, child);
  } catch (error) {
    await child.kill();
    throw error;
  }
  return child;
}

export async function startPostgresTemporal(options: Partial<DevServerOptions> = {}): Promise<DevServer> {
  installed ??= run('bash', [SCRIPT, 'install'], {}, true).then(() => undefined);
  collected ??= collectStaleDatabases();
  await Promise.all([installed, collected]);

  const key = options.dbFile ?? (options.port === undefined ? undefined : `port:${options.port}`);
  let cluster = key === undefined ? undefined : clusters.get(key);
  if (cluster === undefined) {
    cluster = await newCluster(options);
    if (key !== undefined) clusters.set(key, cluster);
  }

  let started: Child | undefined;
  for (let attempt = 1; started === undefined; attempt += 1) {
    try {
      started = await launch(cluster, options);
    } catch (error) {
      // A port probed free can be taken before the server binds it (outgoing connections draw
      // from the same range): take other internal ports and try again.
      if (attempt >= 3 || !/address already in use/i.test(String(error))) throw error;
      Object.assign(cluster.env, await internalPorts(options.ip ?? '127.0.0.1', Number(cluster.env.TEMPORAL_PG_FRONTEND_PORT)));
    }
  }
  const child = started;

  const { env } = cluster;
  const stopWith = async (end: () => Promise<void>): Promise<void> => {
    if (child.exited()) return;
    await end();
    // Nothing can start this one again: its databases go now (~0.1 s each). Those of a server
    // started with a `dbFile` or `port` stay for a restart and go with the next run's sweep.
    if (key === undefined) {
      await run('bash', [SCRIPT, 'drop', '--force'], env).catch(() => undefined);
      const dynamicConfig = env.TEMPORAL_PG_DYNAMIC_CONFIG;
      if (dynamicConfig?.startsWith(tmpdir())) rmSync(path.dirname(dynamicConfig), { recursive: true, force: true });
    }
  };
  return {
    address: cluster.address,
    namespace: NAMESPACE,
    uiUrl: undefined,
    process: child.process,
    stop: () => stopWith(() => child.stop()),
    kill: () => stopWith(() => child.kill()),
  };
}

/**
 * Serving, `default` registered with our search attributes, and those usable in a query: a fresh
 * cluster has no namespace at all, and the attributes' aliases reach each service with its next
 * namespace refresh.
 */
async function waitUntilReady(address: string, child: Child, timeoutMs = 90_000): Promise<void> {
  const query = SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name} = 'probe'`).join(' AND ');
  const ready = async (): Promise<boolean> => {
    let step = 'connect';
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        step = 'getSystemInfo';
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        step = 'prepareNamespace';
        await connection.withDeadline(Date.now() + 10_000, () => prepareNamespace(connection, NAMESPACE));
        step = 'search attribute query';
        await connection.withDeadline(Date.now() + 5_000, () =>
          connection.workflowService.countWorkflowExecutions({ namespace: NAMESPACE, query }),
        );
      } finally {
        await connection.close();
      }
    } catch (error) {
      throw new Error(`${step}: ${String(error)}`);
    }
    // The frontend knows the aliases now; history and matching refresh on the same period.
    await new Promise((resolve) => setTimeout(resolve, NAMESPACE_REFRESH_MS));
    return true;
  };
  // All of the output kept: startPostgresTemporal looks in it for "address already in use".
  await waitUntil(child, `ready at ${address}`, ready, { timeoutMs, intervalMs: 250, shown: () => child.output() });
}
