/**
 * Variants 1 and 2, and the scaling section: our receiver and worker as production runs them
 * (`node dist/http/server.js`, `node dist/worker.js`, configured by the environment only), against
 * a Temporal backend. Several receivers share one port through Node's cluster module
 * (bench/cluster-receiver.ts); several workers poll the same task queue.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../scripts/dev-server';
import { waitForHttp, type Child } from '../../scripts/child-process';
import { childEnv, sleep, spawnChild } from '../children';
import { backlog, pendingEvents, waitForWorkers, type TemporalBackend } from '../temporal/backends';
import { checkInTemporal } from '../temporal/exactly-once';
import { runHttpStep } from './http-target';
import type { RunContext, Target } from './types';

export const TASK_QUEUE = 'osigu-webhooks-bench';
export const WEBHOOK_PATH = '/osigu/webhooks';

export interface Workers {
  pids: number[];
  stop(): Promise<void>;
}

/** `count` worker processes on the task queue, polling once this resolves. */
export async function startWorkers(ctx: RunContext, backend: TemporalBackend, count: number, name: string): Promise<Workers> {
  const env = childEnv({
    TEMPORAL_ADDRESS: backend.address,
    TEMPORAL_NAMESPACE: backend.namespace,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    OSIGU_ENVIRONMENT: 'sandbox',
    LOG_LEVEL: ctx.options.logLevel,
    ...ctx.options.workerEnv,
  });
  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => child.stop()));
  };
  try {
    for (let i = 1; i <= count; i += 1) {
      children.push(
        spawnChild(`${name} worker ${i}`, process.execPath, [path.join(ctx.root, 'dist/worker.js')], {
          // Its Prometheus endpoint stays on (the default), each on a port of its own.
          env: { ...env, WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` },
          cwd: ctx.root,
          logFile: path.join(ctx.logDir, `${name}-worker-${i}.log`),
        }),
      );
    }
    ctx.say(`  ${count} worker${count === 1 ? '' : 's'}: bundling workflows, then polling ${TASK_QUEUE}`);
    await waitForWorkers(backend.client, backend.namespace, TASK_QUEUE, count, children);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pids: children.map((child) => child.pid), stop };
}

/** The --worker-env settings, for the report: ", with WORKER_POLLERS=autoscaling", or nothing. */
export function workerSettings(ctx: RunContext): string {
  const pairs = Object.entries(ctx.options.workerEnv).map(([key, value]) => `${key}=${value}`);
  return pairs.length === 0 ? '' : `, with ${pairs.join(', ')}`;
}

export async function startOurStack(
  ctx: RunContext,
  backend: TemporalBackend,
  { receivers, workers, name, cluster }: { receivers: number; workers: number; name: string; cluster: boolean },
): Promise<Target> {
  const port = await freePort();
  const env = childEnv({
    TEMPORAL_ADDRESS: backend.address,
    TEMPORAL_NAMESPACE: backend.namespace,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LOG_LEVEL: ctx.options.logLevel,
    OSIGU_WEBHOOK_SECRET: ctx.secret,
    OSIGU_ENVIRONMENT: 'sandbox',
    HOST: '127.0.0.1',
    PORT: String(port),
    WEBHOOK_PATH,
  });
  const workerSet = await startWorkers(ctx, backend, workers, name);
  let receiver: Child | undefined;
  const stopAll = async (): Promise<void> => {
    // The receiver first, so nothing is acknowledged after the workers are gone; they then drain.
    await receiver?.stop();
    await workerSet.stop();
  };
  try {
    if (cluster) {
      const readyFile = path.join(ctx.workDir, `${name}-cluster.ready`);
      rmSync(readyFile, { force: true });
      receiver = spawnChild(`${name} receiver ×${receivers}`, process.execPath, [ctx.entries.path('bench/cluster-receiver.ts')], {
        env: {
          ...env,
          BENCH_RECEIVER_ENTRY: path.join(ctx.root, 'dist/http/server.js'),
          BENCH_RECEIVER_PROCESSES: String(receivers),
          BENCH_READY_FILE: readyFile,
        },
        cwd: ctx.root,
        logFile: path.join(ctx.logDir, `${name}-receiver.log`),
      });
      const deadline = Date.now() + 60_000;
      while (!existsSync(readyFile)) {
        if (receiver.exited() || Date.now() > deadline)
          throw new Error(`${receiver.name} did not get ${receivers} processes listening:\n${receiver.tail()}`);
        await sleep(200);
      }
    } else {
      receiver = spawnChild(`${name} receiver`, process.execPath, [path.join(ctx.root, 'dist/http/server.js')], {
        env,
        cwd: ctx.root,
        logFile: path.join(ctx.logDir, `${name}-receiver.log`),
      });
    }
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(`${origin}/readyz`, receiver);
    const receiverPid = receiver.pid;

    return {
      run: (spec, tag, onProgress) => runHttpStep(ctx, `${origin}${WEBHOOK_PATH}`, spec, tag, onProgress),
      roles: () => ({
        receiver: { roots: [receiverPid] },
        worker: { roots: workerSet.pids },
        temporal: { roots: backend.pids },
        ...(backend.kind === 'postgres' ? { postgres: { comm: 'postgres' } } : {}),
        generator: { only: [process.pid] },
      }),
      check: (prefix, acknowledged) =>
        checkInTemporal(backend.client, prefix, acknowledged, { timeoutMs: ctx.options.checkTimeoutSeconds * 1000 }),
      backlog: () => backlog(backend.client, backend.namespace, TASK_QUEUE),
      pending: (prefix) => pendingEvents(backend.client, prefix),
      problem: () => backend.problem(),
      info: {
        receiver: cluster ? `${receivers} × node dist/http/server.js under node:cluster (one port)` : 'node dist/http/server.js',
        workers: `${workers} × node dist/worker.js${workerSettings(ctx)}`,
        temporal: backend.description,
        logLevel: ctx.options.logLevel,
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
