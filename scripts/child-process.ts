/**
 * Our child processes (a Temporal server, a worker, a receiver, a script run to its end), started,
 * waited for and stopped one way for `npm run dev`, the bench and the tests. Why it is one module:
 * each copy had to get the same four things right, and the copies drifted apart.
 *
 * - Output always goes somewhere: a pipe nobody reads fills up and the child blocks on its next
 *   log line. Captured output is kept (bounded when asked) for readiness patterns and the tail of
 *   a failure message; a log file is written by the child itself, so nothing passes through this
 *   process (the bench measures its CPU).
 * - A stop has a deadline: SIGTERM, then SIGKILL when the grace period is over, and it resolves
 *   only once the child has exited, so nothing outlives its test or run.
 * - A child started as a group (a shell script and the server it runs) is signalled as a group,
 *   and whatever the group's leader left behind is killed after it exits.
 * - A failure names the child and shows the end of its output.
 */
import { spawn, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';

/**
 * Where one output stream goes: our own stream (someone is watching), nowhere, a pipe the caller
 * reads itself (a line protocol), kept in memory (`capture`), or appended to a file by the child.
 */
export type Sink = 'inherit' | 'ignore' | 'pipe' | 'capture' | { file: string };

export interface ChildOptions {
  /** For messages: "worker", "receiver :3000", "temporal dev server". */
  name: string;
  command: string;
  args?: readonly string[] | undefined;
  cwd?: string | undefined;
  /** Default: ours. */
  env?: NodeJS.ProcessEnv | undefined;
  stdin?: 'ignore' | 'pipe' | undefined;
  /** Default: capture. */
  stdout?: Sink | undefined;
  /** Default: capture. */
  stderr?: Sink | undefined;
  /** Characters of captured output kept, per stream and combined (default: all of it). */
  keep?: number | undefined;
  /** Captured output is also written to our stderr as it comes (a first build's progress). */
  echo?: boolean | 'stderr only' | undefined;
  /** Captured output is also appended to this file, named once the pid is known (a post-mortem). */
  copyTo?: ((pid: number) => string | undefined) | undefined;
  /** Its own process group: stop and kill reach everything it started. */
  group?: boolean | undefined;
  /** SIGTERM to SIGKILL, unless stop() is given another (default 10 s). */
  graceMs?: number | undefined;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** The file its output goes to, when a sink is one. */
  readonly logFile: string | undefined;
  exited(): boolean;
  /** Resolves when it has exited and its captured output has all been read. */
  readonly exit: Promise<Exit>;
  /** Captured output: stdout and stderr as they came, each alone. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Called with each captured chunk; returns the unsubscribe. */
  onOutput(listener: (combined: string) => void): () => void;
  /** Called once if it exits without stop() or kill() having been called. */
  onUnexpectedExit(listener: (exit: Exit) => void): void;
  /** Whether stop() or kill() was called. */
  readonly stopRequested: boolean;
  /** SIGTERM, SIGKILL after the grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL (a crash: no `finally`, no drain) and wait for the exit. */
  kill(): Promise<void>;
  /** The last lines of its log file or captured output, each cut short, for an error message. */
  tail(lines?: number): string;
  /** "exit 1", "SIGKILL", for messages. */
  describeExit(): string;
}

/** The last lines of a text, each cut short: enough to say why, without whole stack traces. */
export function tailOfText(text: string, lines = 20): string {
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
    .join('\n');
}

export function tailOf(file: string, lines = 20): string {
  return existsSync(file) ? tailOfText(readFileSync(file, 'utf8'), lines) : '';
}

const fileOf = (sink: Sink | undefined): string | undefined => (typeof sink === 'object' ? sink.file : undefined);

function launch(options: ChildOptions): Child {
  const stdout = options.stdout ?? 'capture';
  const stderr = options.stderr ?? 'capture';
  // One descriptor per file, shared when both streams go to the same one; the child keeps its own.
  const descriptors = new Map<string, number>();
  const stdio = (sink: Sink): StdioNull | StdioPipe | number => {
    if (typeof sink === 'object') {
      const fd = descriptors.get(sink.file) ?? openSync(sink.file, 'a');
      descriptors.set(sink.file, fd);
      return fd;
    }
    return sink === 'capture' ? 'pipe' : sink;
  };
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin ?? 'ignore', stdio(stdout), stdio(stderr)],
      detached: options.group === true,
    });
  } finally {
    for (const fd of descriptors.values()) closeSync(fd);
  }
  const pid = child.pid ?? -1;

  const keep = options.keep ?? Infinity;
  const kept = { stdout: '', stderr: '', combined: '' };
  const listeners = new Set<(combined: string) => void>();
  const copyTo = child.pid === undefined ? undefined : options.copyTo?.(child.pid);
  const capture = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (copyTo !== undefined) appendFileSync(copyTo, chunk);
    if (options.echo === true || (options.echo === 'stderr only' && stream === 'stderr')) process.stderr.write(chunk);
    const text = chunk.toString('utf8');
    kept[stream] = (kept[stream] + text).slice(-keep);
    kept.combined = (kept.combined + text).slice(-keep);
    for (const listener of listeners) listener(kept.combined);
  };
  if (stdout === 'capture') child.stdout?.on('data', capture('stdout'));
  if (stderr === 'capture') child.stderr?.on('data', capture('stderr'));

  // 'close', not 'exit', when we read its output: only then has all of it arrived. A child that
  // could not be started emits 'error' instead (and maybe nothing else).
  const exit = new Promise<Exit>((resolve) => {
    child.once(stdout === 'capture' || stderr === 'capture' ? 'close' : 'exit', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal }),
    );
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  let stopRequested = false;
  let unexpected: ((exit: Exit) => void) | undefined;
  void exit.then((result) => {
    if (!stopRequested) unexpected?.(result);
  });

  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const signal = (which: NodeJS.Signals): void => {
    try {
      if (options.group === true) process.kill(-pid, which);
      else child.kill(which);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = options.graceMs ?? 10_000): Promise<void> => {
    stopRequested = true;
    if (!exited() && child.pid !== undefined) {
      signal('SIGTERM');
      const force = setTimeout(() => signal('SIGKILL'), graceMs);
      await exit;
      clearTimeout(force);
    }
    // Whatever the group's leader left behind.
    if (options.group === true) signal('SIGKILL');
  };
  const kill = async (): Promise<void> => {
    stopRequested = true;
    if (!exited() && child.pid !== undefined) {
      signal('SIGKILL');
      await exit;
    }
    if (options.group === true) signal('SIGKILL');
  };
  const logFile = fileOf(stdout) ?? fileOf(stderr);
  return {
    name: options.name,
    process: child,
    pid,
    logFile,
    exited,
    exit,
    output: () => kept.combined,
    stdout: () => kept.stdout,
    stderr: () => kept.stderr,
    onOutput(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    onUnexpectedExit(listener) {
      unexpected = listener;
    },
    get stopRequested() {
      return stopRequested;
    },
    stop,
    kill,
    tail: (lines) => (logFile !== undefined ? tailOf(logFile, lines) : tailOfText(kept.combined, lines)),
    describeExit: () => child.signalCode ?? (child.exitCode === null ? 'running' : `exit ${child.exitCode}`),
  };
}

/** Starts a long-running child; throws at once if the command could not be started at all. */
export function startChild(options: ChildOptions): Child {
  const child = launch(options);
  if (child.process.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  return child;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came. */
  output: string;
  /** Whether the timeout stopped it. */
  timedOut: boolean;
}

/**
 * Runs a command to its end. Rejects only when it could not be started (the spawn error, with its
 * `code`, e.g. ENOENT); a failing exit is the caller's to judge. With `timeoutMs`, a run that
 * takes longer is stopped (SIGTERM, SIGKILL after `graceMs`; its whole group with `group`).
 */
export async function runChild(options: Omit<ChildOptions, 'name'> & { name?: string; timeoutMs?: number }): Promise<RunResult> {
  const child = launch({ name: options.command, ...options });
  if (child.process.pid === undefined) {
    const [error] = (await once(child.process, 'error')) as [Error];
    throw error;
  }
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void child.stop();
        }, options.timeoutMs);
  const result = await child.exit;
  clearTimeout(timer);
  // A group's leftovers are left alone: a setup script may start a daemon on purpose.
  return { ...result, stdout: child.stdout(), stderr: child.stderr(), output: child.output(), timedOut };
}

/**
 * Resolves once `probe` says yes (its errors count as no, and the last one is shown); fails early,
 * with the child's tail, if it exits first. The caller stops the child on failure.
 */
export async function waitUntil(
  child: Child,
  what: string,
  probe: () => Promise<boolean>,
  {
    timeoutMs = 60_000,
    intervalMs = 200,
    shown = () => child.tail(),
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    /** What of its output a failure shows (default: its tail). */
    shown?: () => string;
  } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (child.exited()) throw new Error(`${child.name} exited (${child.describeExit()}) before ${what}${last}:\n${shown()}`);
    try {
      if (await probe()) return;
    } catch (error) {
      last = `: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() > deadline) throw new Error(`${child.name} did not get to ${what} within ${timeoutMs / 1000} s${last}\n${shown()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves once its captured output matches `pattern` (a "listening" line); fails like waitUntil. */
export async function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  if (pattern.test(child.output())) return;
  let unsubscribe = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        unsubscribe = child.onOutput((combined) => {
          if (pattern.test(combined)) resolve();
        });
      }),
      child.exit.then(() => {
        if (pattern.test(child.output())) return;
        throw new Error(`${child.name} exited (${child.describeExit()}) before printing ${String(pattern)}:\n${child.tail()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${child.name} did not print ${String(pattern)} within ${timeoutMs / 1000} s:\n${child.tail()}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    unsubscribe();
    clearTimeout(timer);
  }
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 3_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** Resolves once `url` answers 200; fails like waitUntil. */
export function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  return waitUntil(child, `answering ${url}`, async () => (await getStatus(url)) === 200, { timeoutMs });
}
