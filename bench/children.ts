/**
 * The bench's processes: started with scripts/child-process.ts, each with its output in its own
 * log file (written by the child, so none of it costs the harness CPU it measures), stopped by
 * their own id with 15 s to drain; and the environment they start with.
 */
import { runChild, startChild, type Child } from '../scripts/child-process';

// What the bench's processes inherit from the harness: the machine's own variables only (where
// programs, home, locale, temp and certificates are; Go's and PostgreSQL's tools). Every setting of
// ours is left out, whatever its name, so a setting added to src/config.ts tomorrow cannot leak from
// a developer's shell into what is measured: the receiver and the worker run with their production
// defaults unless the bench sets something in `extra`.
const SYSTEM_VARIABLES =
  /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|TZ|TMPDIR|TMP|TEMP|TERM|CI|NODE_PATH|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|LC_[A-Z_]+|XDG_[A-Z_]+|GO[A-Z0-9_]*|PG[A-Z_]+)$/;

/** The machine's variables from the harness's environment (none of our settings), plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (SYSTEM_VARIABLES.test(key)) env[key] = value;
  return { ...env, ...extra };
}

const GRACE_MS = 15_000;

/**
 * A process with stdout and stderr appended to `logFile`; with `pipeStdio`, stdin and stdout are
 * pipes instead (a line protocol) and only stderr goes to the log. `detached`: its own process
 * group, signalled as one (a script and the server it runs).
 */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; pipeStdio?: boolean; detached?: boolean },
): Child {
  const log = { file: options.logFile };
  return startChild({
    name,
    command,
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: options.pipeStdio === true ? 'pipe' : 'ignore',
    stdout: options.pipeStdio === true ? 'pipe' : log,
    stderr: log,
    group: options.detached === true,
    graceMs: GRACE_MS,
  });
}

/** Runs a command to its end in its own process group; its exit code (1 if it had none). */
export async function runToEnd(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; timeoutMs: number },
): Promise<number> {
  const log = { file: options.logFile };
  const run = await runChild({
    name,
    command,
    args,
    cwd: options.cwd,
    env: options.env,
    stdout: log,
    stderr: log,
    group: true,
    timeoutMs: options.timeoutMs,
    graceMs: 5_000,
  });
  return run.code ?? 1;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
