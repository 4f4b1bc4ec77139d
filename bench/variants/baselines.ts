/** Variants 3, 4 and 5: the baselines our receiver is compared with. */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client as PgClient } from 'pg';
import { freePort } from '../../scripts/dev-server';
import { waitForHttp, type Child } from '../../scripts/child-process';
import { childEnv, spawnChild } from '../children';
import type { BenchEntry } from '../compile';
import type { DriveResult, Progress } from '../load/pacer';
import { eventIdPrefix } from '../load/events';
import { backlog, pendingEvents, SkipVariant, type TemporalBackend } from '../temporal/backends';
import { checkInTemporal, type ExactlyOnceResult } from '../temporal/exactly-once';
import { runHttpStep } from './http-target';
import { TASK_QUEUE, WEBHOOK_PATH, workerSettings, type Workers } from './receiver';
import type { RunContext, StepRun, Target } from './types';

async function startPlainReceiver(
  ctx: RunContext,
  name: string,
  file: BenchEntry,
  extraEnv: Record<string, string>,
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnChild(name, process.execPath, [ctx.entries.path(file)], {
    env: childEnv({
      ...ctx.entries.env,
      ...extraEnv,
      OSIGU_WEBHOOK_SECRET: ctx.secret,
      HOST: '127.0.0.1',
      PORT: String(port),
      WEBHOOK_PATH,
    }),
    cwd: ctx.root,
    logFile: path.join(ctx.logDir, `${name}.log`),
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, url: `http://127.0.0.1:${port}${WEBHOOK_PATH}` };
}

/** Variant 4. */
export async function startVerifyOnly(ctx: RunContext): Promise<Target> {
  const { child, url } = await startPlainReceiver(ctx, 'verify-only', 'bench/baselines/verify-only-receiver.ts', {});
  return {
    run: (spec, tag, onProgress) => runHttpStep(ctx, url, spec, tag, onProgress),
    roles: () => ({ receiver: { roots: [child.pid] }, generator: { only: [process.pid] } }),
    info: { receiver: 'node:http, verifySignature, JSON.parse, 200 (bench/baselines/verify-only-receiver.ts)' },
    stop: () => child.stop(),
  };
}

/** The baseline's database: created when missing; the table emptied so each run starts alike. */
async function prepareBenchDatabase(pgUrl: string): Promise<string> {
  const url = new URL(pgUrl);
  const database = decodeURIComponent(url.pathname.slice(1)) || 'osigu_bench';
  if (!/^[a-z_][a-z0-9_]*$/.test(database))
    throw new SkipVariant(`--pg-url names database ${database}: use lower-case letters, digits and _`);
  const admin = new URL(pgUrl);
  admin.pathname = '/postgres';
  const client = new PgClient({ connectionString: admin.href, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new SkipVariant(`PostgreSQL at ${url.host} is not reachable: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    return version.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

/** Variant 3. */
export async function startInsertBaseline(ctx: RunContext): Promise<Target> {
  const postgresVersion = await prepareBenchDatabase(ctx.options.pgUrl);
  const { child, url } = await startPlainReceiver(ctx, 'insert-baseline', 'bench/baselines/postgres-insert-receiver.ts', {
    BENCH_PG_URL: ctx.options.pgUrl,
  });
  const db = new PgClient({ connectionString: ctx.options.pgUrl });
  try {
    await db.connect();
    await db.query('TRUNCATE osigu_events');
  } catch (error) {
    await child.stop();
    await db.end().catch(() => undefined);
    throw error;
  }
  return {
    run: (spec, tag, onProgress) => runHttpStep(ctx, url, spec, tag, onProgress),
    roles: () => ({ receiver: { roots: [child.pid] }, postgres: { comm: 'postgres' }, generator: { only: [process.pid] } }),
    async check(prefix, acknowledged): Promise<ExactlyOnceResult> {
      const started = Date.now();
      const rows = await db.query<{ event_id: string }>("SELECT event_id FROM osigu_events WHERE event_id LIKE $1 || '%'", [prefix]);
      const stored = new Set(rows.rows.map((row) => row.event_id));
      const missing = acknowledged.filter((id) => !stored.has(id));
      const acknowledgedSet = new Set(acknowledged);
      return {
        store: 'postgres',
        ok: missing.length === 0,
        acknowledged: acknowledged.length,
        found: stored.size,
        missing: missing.length,
        // The primary key makes a second row impossible.
        duplicated: 0,
        storedNotAcknowledged: [...stored].filter((id) => !acknowledgedSet.has(id)).length,
        sampled: 0,
        sampleFailures: 0,
        settledMs: Date.now() - started,
        examples: missing.slice(0, 3).map((id) => `missing ${id}`),
      };
    },
    info: {
      receiver:
        'node:http, verifySignature, JSON.parse, INSERT … ON CONFLICT DO NOTHING RETURNING on a pg Pool of 10 (bench/baselines/postgres-insert-receiver.ts)',
      postgres: `PostgreSQL ${postgresVersion}, database ${new URL(ctx.options.pgUrl).pathname.slice(1)}`,
    },
    async stop() {
      await db.end();
      await child.stop();
    },
  };
}

type ChildMessage = { type: 'ready' } | { type: 'progress'; progress: Progress } | { type: 'result'; result: DriveResult };

/** Variant 5, on the given Temporal; a worker runs as for 1 and 2, so Temporal does the same work. */
export async function startBareStart(ctx: RunContext, backend: TemporalBackend, workers: Workers): Promise<Target> {
  const child = spawnChild(`bare-start-${backend.kind}`, process.execPath, [ctx.entries.path('bench/baselines/bare-start.ts')], {
    env: childEnv({
      ...ctx.entries.env,
      TEMPORAL_ADDRESS: backend.address,
      TEMPORAL_NAMESPACE: backend.namespace,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      OSIGU_WEBHOOK_SECRET: ctx.secret,
      OSIGU_ENVIRONMENT: 'sandbox',
    }),
    cwd: ctx.root,
    logFile: path.join(ctx.logDir, `bare-start-${backend.kind}.log`),
    pipeStdio: true,
  });
  const { stdin, stdout } = child.process;
  if (stdin === null || stdout === null) throw new Error('bare-start: no pipes');
  const queue: ChildMessage[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: stdout }).on('line', (line) => {
    try {
      queue.push(JSON.parse(line) as ChildMessage);
    } catch {
      return;
    }
    wake?.();
  });
  child.process.on('exit', () => wake?.());
  /** The next message that is not progress; progress on the way goes to `onProgress`. */
  const next = async (onProgress?: (progress: Progress) => void): Promise<ChildMessage> => {
    for (;;) {
      for (let message = queue.shift(); message !== undefined; message = queue.shift()) {
        if (message.type !== 'progress') return message;
        onProgress?.(message.progress);
      }
      if (child.exited()) throw new Error(`bare-start exited:\n${child.tail()}`);
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };

  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error('bare-start: unexpected first message');
  } catch (error) {
    await child.stop();
    await workers.stop();
    throw error;
  }
  return {
    async run(spec, tag, onProgress): Promise<StepRun> {
      const answer = next(onProgress);
      stdin.write(`${JSON.stringify({ type: 'step', spec, tag, templates: ctx.templates })}\n`);
      const message = await answer;
      if (message.type !== 'result') throw new Error('bare-start: unexpected message');
      return { ...message.result, generator: `${message.result.generator}, in the measured process`, eventIdPrefix: eventIdPrefix(tag) };
    },
    roles: () => ({
      receiver: { roots: [child.pid] },
      worker: { roots: workers.pids },
      temporal: { roots: backend.pids },
      ...(backend.kind === 'postgres' ? { postgres: { comm: 'postgres' } } : {}),
    }),
    check: (prefix, acknowledged) =>
      checkInTemporal(backend.client, prefix, acknowledged, { timeoutMs: ctx.options.checkTimeoutSeconds * 1000 }),
    backlog: () => backlog(backend.client, backend.namespace, TASK_QUEUE),
    pending: (prefix) => pendingEvents(backend.client, prefix),
    problem: () => backend.problem(),
    info: {
      receiver: 'createEventStarter + routeEvent in a loop, no HTTP (bench/baselines/bare-start.ts)',
      workers: `${workers.pids.length} × node dist/worker.js${workerSettings(ctx)}`,
      temporal: backend.description,
    },
    async stop() {
      stdin.end();
      await child.stop();
      await workers.stop();
    },
  };
}
