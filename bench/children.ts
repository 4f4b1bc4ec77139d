/** The processes a run starts: spawned with their output in a log file, stopped by their own id. */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  logFile: string;
  exited(): boolean;
  /** SIGTERM (to its process group when spawned detached), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of its log, for an error message. */
  tail(lines?: number): string;
}

// Settings a developer's shell may carry that would change what is measured.
// The receiver and worker run with their production defaults unless the bench sets something.
const INHERITED_SETTINGS =
  /^(TEMPORAL_|OSIGU_|WEBHOOK_|SIGNATURE_|TLS_|PROVIDER_|DISCREPANCY_|DISPENSATION_|PRESCRIPTION_|ENTITY_|PAYLOAD_|METRICS_|WORKER_|MAX_)|^(PORT|HOST|LOG_LEVEL|REQUEST_TIMEOUT_MS|HEADERS_TIMEOUT_MS)$/;

/** The harness's environment without the settings of our processes, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!INHERITED_SETTINGS.test(key)) env[key] = value;
  return { ...env, ...extra };
}

/** The last lines of a log, each cut short: enough to say why, without stack traces. */
export function tailOf(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
    .join('\n');
}

export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; pipeStdio?: boolean; detached?: boolean },
): Child {
  const log = openSync(options.logFile, 'a');
  const stdio: StdioOptions = options.pipeStdio === true ? ['pipe', 'pipe', log] : ['ignore', log, log];
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio, detached: options.detached === true });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const exit = once(child, 'exit');
  const signal = (which: NodeJS.Signals): void => {
    try {
      // A detached child leads its own group (a script and the server it runs): signal them all.
      if (options.detached === true) process.kill(-pid, which);
      else child.kill(which);
    } catch {
      // already gone
    }
  };
  return {
    name,
    process: child,
    pid,
    logFile: options.logFile,
    exited,
    async stop(graceMs = 15_000) {
      if (exited()) {
        if (options.detached === true) signal('SIGKILL');
        return;
      }
      signal('SIGTERM');
      const force = setTimeout(() => signal('SIGKILL'), graceMs);
      await exit;
      clearTimeout(force);
      // Whatever the group's leader left behind.
      if (options.detached === true) signal('SIGKILL');
    },
    tail: (lines) => tailOf(options.logFile, lines),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Waits for a 200 from `url`; fails early, with its log, if the process dies. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) throw new Error(`${child.name} exited before answering ${url}:\n${child.tail()}`);
    if ((await getStatus(url)) === 200) return;
    if (Date.now() > deadline) throw new Error(`${child.name} did not answer ${url} within ${timeoutMs / 1000} s:\n${child.tail()}`);
    await sleep(200);
  }
}

/** Runs a command to its end; resolves with its exit code (its output goes to the log file). */
export async function runToEnd(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; timeoutMs: number },
): Promise<number> {
  const child = spawnChild(name, command, args, { ...options, detached: true });
  const exited = once(child.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const timer = setTimeout(() => void child.stop(5_000), options.timeoutMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code ?? 1;
}
