import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import path from 'node:path';

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
  const child: ChildProcess = spawn(process.execPath, ['--require', 'tsx/cjs', entry], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let output = '';
  let asked = false;
  let ready!: () => void;
  const readySeen = new Promise<void>((resolve) => (ready = resolve));
  // Always drained: a child whose pipe fills up blocks on its next log line.
  // FAULTS_LOG_DIR=/some/dir keeps each process's whole output, for a post-mortem.
  const logFile = process.env.FAULTS_LOG_DIR
    ? path.join(process.env.FAULTS_LOG_DIR, `${name.replace(/\W+/g, '-')}-${child.pid ?? 'x'}.log`)
    : undefined;
  const collect = (chunk: Buffer) => {
    if (logFile !== undefined) appendFileSync(logFile, chunk);
    output = (output + chunk.toString('utf8')).slice(-TAIL_CHARS * 4);
    if (readyWhen.test(output)) ready();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit');

  const timer = setTimeout(() => child.kill('SIGKILL'), readyTimeoutMs);
  try {
    await Promise.race([
      readySeen,
      exited.then(([code, signal]) => {
        throw new Error(`${name} exited before it was ready (${String(code ?? signal)}):\n${output.slice(-TAIL_CHARS)}`);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    asked = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const force = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    if (force !== undefined) clearTimeout(force);
  };
  return {
    name,
    pid: child.pid,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    get exitedUnexpectedly() {
      return !asked && (child.exitCode !== null || child.signalCode !== null);
    },
    tail: () => output.slice(-TAIL_CHARS),
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
