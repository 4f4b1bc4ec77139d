import path from 'node:path';
import { startChild, waitForOutput } from '../../scripts/child-process';

const ROOT = path.resolve(__dirname, '../..');

/**
 * One of our processes (worker or receiver) run as a real child, `node --require tsx/cjs …`, so
 * that a SIGKILL is a real crash: no `finally`, no graceful drain, sockets cut by the kernel.
 */
export interface ChildService {
  readonly name: string;
  readonly pid: number | undefined;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Whether it exited without being asked to (a crash we did not cause). */
  readonly exitedUnexpectedly: boolean;
  /** The end of its output, for a failure message. */
  tail(): string;
}

interface SpawnOptions {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** A line that says the process is ready, on stdout or stderr. */
  readyWhen: RegExp;
  readyTimeoutMs?: number;
}

const TAIL_CHARS = 8_000;

async function spawnService({ name, entry, env, readyWhen, readyTimeoutMs = 60_000 }: SpawnOptions): Promise<ChildService> {
  // Always drained (a child whose pipe fills up blocks on its next log line), the end kept for
  // failure messages. FAULTS_LOG_DIR=/some/dir keeps each process's whole output, for a post-mortem.
  const logDir = process.env.FAULTS_LOG_DIR;
  const child = startChild({
    name,
    command: process.execPath,
    args: ['--require', 'tsx/cjs', entry],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    keep: TAIL_CHARS * 4,
    copyTo: logDir ? (pid) => path.join(logDir, `${name.replace(/\W+/g, '-')}-${pid}.log`) : undefined,
    graceMs: 10_000,
  });
  try {
    await waitForOutput(child, readyWhen, readyTimeoutMs);
  } catch (error) {
    await child.kill();
    throw error;
  }
  return {
    name,
    pid: child.pid,
    kill: () => child.kill(),
    stop: () => child.stop(),
    get exitedUnexpectedly() {
      return !child.stopRequested && child.exited();
    },
    tail: () => child.output().slice(-TAIL_CHARS),
  };
}

/**
 * `src/worker.ts` (or another build's worker entry, for the upgrade drill), ready once the SDK
 * reports the worker RUNNING (which needs LOG_LEVEL info).
 */
export function spawnWorker(env: Record<string, string>, entry = 'src/worker.ts'): Promise<ChildService> {
  return spawnService({
    name: entry === 'src/worker.ts' ? 'worker' : `worker (${entry})`,
    entry,
    env: { LOG_LEVEL: 'info', ...env },
    readyWhen: /state: 'RUNNING'/,
  });
}

/** `src/http/server.ts` on a fixed port, ready once it logs that it listens. */
export function spawnReceiver(env: Record<string, string>): Promise<ChildService> {
  return spawnService({
    name: `receiver :${env.PORT ?? '?'}`,
    entry: 'src/http/server.ts',
    env: { LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    readyWhen: /receiver listening/,
  });
}
