/**
 * The Temporal servers the variants run against: the dev server on a fresh SQLite file (as
 * `npm run dev` runs it), and a single-node server on the local PostgreSQL, set up and started
 * by scripts/temporal-postgres.sh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { startDevServer } from '../../scripts/dev-server';
import { prepareNamespace } from '../../src/temporal/namespace-setup';
import { OSIGU_EVENT_FAMILY, OSIGU_EVENT_TYPE } from '../../src/temporal/search-attributes';
import { tailOf, type Child } from '../../scripts/child-process';
import { childEnv, runToEnd, sleep, spawnChild } from '../children';
import { newTag } from '../load/events';

export type BackendKind = 'sqlite' | 'postgres';

export interface TemporalBackend {
  kind: BackendKind;
  /** For the report: "dev server, SQLite file (server 1.29.1)". */
  description: string;
  address: string;
  namespace: string;
  serverVersion: string;
  /** The server's processes (roots; their descendants count too). */
  pids: number[];
  client: Client;
  /** Something to say in the report (a server left running, …). */
  notes: string[];
  /** Why the server is no longer usable (it exited), or undefined while it runs. */
  problem(): string | undefined;
  stop(): Promise<void>;
}

/**
 * The reason a Temporal server gave up, from its JSON log: the last fatal entry, else the last
 * error, as "msg: error", short.
 */
export function diagnose(logFile: string | undefined): string {
  if (logFile === undefined || !existsSync(logFile)) return 'no log';
  const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
  const entries = lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      return typeof entry.level === 'string' ? [entry] : [];
    } catch {
      return [];
    }
  });
  const pick = entries.filter((entry) => entry.level === 'fatal').pop() ?? entries.filter((entry) => entry.level === 'error').pop();
  if (pick === undefined) return tailOf(logFile, 3);
  const text = `${pick.msg ?? ''}${pick.error === undefined ? '' : `: ${pick.error}`}`;
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** A variant that cannot run here; the run goes on without it and says why. */
export class SkipVariant extends Error {
  override readonly name = 'SkipVariant';
}

async function clientFor(address: string, namespace: string): Promise<{ client: Client; connection: Connection; serverVersion: string }> {
  const connection = await Connection.connect({ address });
  const info = await connection.workflowService.getSystemInfo({});
  return { client: new Client({ connection, namespace }), connection, serverVersion: info.serverVersion ?? 'unknown' };
}

/**
 * Until a start with our search attributes goes through and a STARTS_WITH query answers: a
 * namespace just registered, or search attributes just added, take a moment to be usable.
 */
export async function waitUntilStartable(client: Client, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await client.workflow.start('benchProbe', {
        taskQueue: 'osigu-bench-probe',
        workflowId: `bench-probe-${newTag()}`,
        typedSearchAttributes: [
          { key: OSIGU_EVENT_TYPE, value: 'bench.probe' },
          { key: OSIGU_EVENT_FAMILY, value: 'bench' },
        ],
      });
      await handle.terminate('bench: probe only');
      await client.workflow.count(`WorkflowId STARTS_WITH 'bench-probe-'`);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Temporal does not accept starts: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(1_000);
    }
  }
}

/** `dbFile` undefined: the dev server keeps everything in memory. */
export async function startSqliteTemporal({
  cliPath,
  dbFile,
  dynamicConfig = [],
}: {
  cliPath: string;
  dbFile: string | undefined;
  /** `--dynamic-config-value` pairs (bench --temporal-config). */
  dynamicConfig?: readonly string[];
}): Promise<TemporalBackend> {
  const server = await startDevServer({ cliPath, dynamicConfig, ...(dbFile === undefined ? {} : { dbFile }) });
  try {
    const { client, connection, serverVersion } = await clientFor(server.address, server.namespace);
    await waitUntilStartable(client);
    return {
      kind: 'sqlite',
      description: `dev server, SQLite ${dbFile === undefined ? 'in memory' : 'file'} (server ${serverVersion})${dynamicConfig.length === 0 ? '' : `, with ${dynamicConfig.join(', ')}`}`,
      address: server.address,
      namespace: server.namespace,
      serverVersion,
      pids: server.process.pid === undefined ? [] : [server.process.pid],
      client,
      notes: [],
      problem: () =>
        server.process.exitCode !== null || server.process.signalCode !== null
          ? `the dev server exited (${server.process.exitCode ?? server.process.signalCode})`
          : undefined,
      async stop() {
        await connection.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.kill();
    throw error;
  }
}

export const POSTGRES_SCRIPT = 'scripts/temporal-postgres.sh';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768: Temporal's SQL schema keeps membership ports in a smallint, so a
 * server given an ephemeral port (32768 and up, what `freePort` hands out) dies at start with
 * "greater than maximum value for int2".
 */
async function freeLowPort(used: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (used.has(port) || !(await canListen(port))) continue;
    used.add(port);
    return port;
  }
  throw new SkipVariant('no free port between 20000 and 32000 for Temporal on PostgreSQL');
}

/** The bench's own databases, so a run never touches the ones `npm run temporal:postgres` uses. */
export const BENCH_TEMPORAL_DATABASES = {
  TEMPORAL_PG_DB: 'temporal_osigu_bench',
  TEMPORAL_PG_VISIBILITY_DB: 'temporal_osigu_bench_visibility',
};

/**
 * scripts/temporal-postgres.sh `install` (built once, cached), `reset` (the bench's two databases
 * dropped and migrated afresh; `setup` keeps them), then `start` in the foreground with every port
 * free, stopped at the end through its process group; then the namespace is prepared as
 * `npm run temporal:setup` does. PostgreSQL is the one --pg-url names.
 * Throws SkipVariant with the reason when the script is missing or any step fails.
 */
export async function startPostgresTemporal({
  root,
  logDir,
  reset,
  pgUrl,
  settings = {},
}: {
  root: string;
  logDir: string;
  reset: boolean;
  pgUrl: string;
  /** TEMPORAL_PG_* settings (bench --pg-env): shards, pools; the ports and databases stay the bench's. */
  settings?: Readonly<Record<string, string>>;
}): Promise<TemporalBackend> {
  const script = path.join(root, POSTGRES_SCRIPT);
  if (!existsSync(script))
    throw new SkipVariant(`${POSTGRES_SCRIPT} does not exist (yet), so there is no Temporal on PostgreSQL to measure`);
  const used = new Set<number>();
  const port = await freeLowPort(used);
  const pg = new URL(pgUrl);
  const ports: Record<string, string> = { TEMPORAL_PG_FRONTEND_PORT: String(port) };
  for (const name of [
    'FRONTEND_HTTP',
    'FRONTEND_MEMBERSHIP',
    'HISTORY',
    'HISTORY_MEMBERSHIP',
    'MATCHING',
    'MATCHING_MEMBERSHIP',
    'WORKER',
    'WORKER_MEMBERSHIP',
  ]) {
    ports[`TEMPORAL_PG_${name}_PORT`] = String(await freeLowPort(used));
  }
  const env = childEnv({
    TEMPORAL_PG_LOG_LEVEL: 'warn',
    ...settings,
    ...ports,
    ...BENCH_TEMPORAL_DATABASES,
    PGHOST: pg.hostname || '127.0.0.1',
    PGPORT: pg.port || '5432',
    PGUSER: decodeURIComponent(pg.username) || 'postgres',
    PGPASSWORD: decodeURIComponent(pg.password),
  });

  for (const [step, timeoutMs] of [
    ['install', 1_800_000],
    [reset ? 'reset' : 'setup', 600_000],
  ] as const) {
    process.stderr.write(
      `bench: ${POSTGRES_SCRIPT} ${step}${step === 'install' ? ' (a build takes minutes, once)' : ` (databases ${Object.values(BENCH_TEMPORAL_DATABASES).join(', ')})`}\n`,
    );
    const logFile = path.join(logDir, `temporal-postgres-${step}.log`);
    const code = await runToEnd(`temporal-postgres.sh ${step}`, 'bash', [script, step], { env, cwd: root, logFile, timeoutMs });
    if (code !== 0) throw new SkipVariant(`${POSTGRES_SCRIPT} ${step} failed (exit ${code}):\n${tailOf(logFile, 6)}`);
  }

  process.stderr.write(`bench: ${POSTGRES_SCRIPT} start (frontend 127.0.0.1:${port})\n`);
  const server = spawnChild('temporal (PostgreSQL)', 'bash', [script, 'start'], {
    env,
    cwd: root,
    logFile: path.join(logDir, 'temporal-postgres-start.log'),
    detached: true,
  });
  const address = `127.0.0.1:${port}`;
  const notes: string[] = [];
  let daemonized = false;
  try {
    daemonized = await waitUntilServing(address, server, notes);
    const { client, connection, serverVersion } = await clientFor(address, 'default');
    await prepareNamespaceWhenKnown(connection, 'default');
    await waitUntilStartable(client);
    return {
      kind: 'postgres',
      description: `single node, PostgreSQL (server ${serverVersion})${
        Object.keys(settings).length === 0
          ? ''
          : `, with ${Object.entries(settings)
              .map(([key, value]) => `${key}=${value}`)
              .join(', ')}`
      }`,
      address,
      namespace: 'default',
      serverVersion,
      pids: [server.pid],
      client,
      notes,
      problem: () =>
        server.exited() && !daemonized
          ? `Temporal on PostgreSQL exited (${server.process.exitCode ?? server.process.signalCode}): ${diagnose(server.logFile)}`
          : undefined,
      async stop() {
        await connection.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop(5_000);
    if (error instanceof SkipVariant) throw error;
    throw new SkipVariant(`Temporal on PostgreSQL did not become usable: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * prepareNamespace, again until it goes through: a namespace just registered is unknown to the
 * server's namespace cache for some seconds, and adding search attributes fails with NOT_FOUND.
 */
async function prepareNamespaceWhenKnown(connection: Connection, namespace: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await prepareNamespace(connection, namespace);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}

/** Resolves true when `start` went to the background (the server is then not ours to watch). */
async function waitUntilServing(address: string, server: Child, notes: string[], timeoutMs = 180_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
      } finally {
        await connection.close();
      }
      if (server.exited()) {
        // `start` went to the background: it serves, but its process is not ours to stop.
        notes.push(
          `${POSTGRES_SCRIPT} start returned (exit ${server.process.exitCode ?? server.process.signalCode}) and left the server running; its CPU and memory are not measured`,
        );
        return true;
      }
      return false;
    } catch {
      if (server.exited() && server.process.exitCode !== 0) {
        throw new SkipVariant(
          `${POSTGRES_SCRIPT} start exited (${server.process.exitCode ?? server.process.signalCode}): ${diagnose(server.logFile)}`,
        );
      }
      if (Date.now() > deadline)
        throw new SkipVariant(`Temporal on PostgreSQL did not answer at ${address} within ${timeoutMs / 1000} s:\n${server.tail(6)}`);
      await sleep(500);
    }
  }
}

const { TaskQueueType } = proto.api.enums.v1;

/** Distinct workflow pollers on the task queue: how many worker processes are ready. */
export async function workflowPollers(client: Client, namespace: string, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return new Set((response.pollers ?? []).map((poller) => poller.identity)).size;
}

/** Waits until `count` worker processes poll the queue. */
export async function waitForWorkers(
  client: Client,
  namespace: string,
  taskQueue: string,
  count: number,
  workers: readonly Child[],
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = workers.find((worker) => worker.exited());
    if (dead !== undefined) throw new Error(`${dead.name} exited:\n${dead.tail()}`);
    try {
      if ((await workflowPollers(client, namespace, taskQueue)) >= count) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`only some of ${count} workers poll ${taskQueue} after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** Event workflows of one step (by event id prefix) still running, from visibility; undefined if it cannot say. */
export async function pendingEvents(client: Client, prefix: string): Promise<number | undefined> {
  try {
    const { count } = await client.workflow.count(`WorkflowId STARTS_WITH '${prefix}' AND ExecutionStatus = 'Running'`);
    return count;
  } catch {
    return undefined;
  }
}

/**
 * Tasks waiting for a worker (workflow and activity), as Temporal estimates them, on the events'
 * queue and the entities' (`<queue>-entities`, the worker's default); undefined if it cannot say.
 */
export async function backlog(client: Client, namespace: string, taskQueue: string): Promise<number | undefined> {
  try {
    let total = 0;
    for (const name of [taskQueue, `${taskQueue}-entities`])
      for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
        const response = await client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name },
          taskQueueType,
          reportStats: true,
        });
        const count = response.stats?.approximateBacklogCount;
        if (count === undefined || count === null) return undefined;
        total += typeof count === 'number' ? count : count.toNumber();
      }
    return total;
  } catch {
    return undefined;
  }
}
