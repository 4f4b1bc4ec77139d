import type { Env } from '../../src/config';
import { runCli } from '../../src/ops/cli';

export interface OpsRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run ops -- <argv>` in this process (runCli, commander with exitOverride) against the
 * environment `env()` gives when called; `seen` gets each run's argv and output (a suite that
 * checks everything ops printed for PHI collects it there).
 */
export function opsRunner(env: () => Env, seen?: (argv: readonly string[], run: OpsRun) => void): (...argv: string[]) => Promise<OpsRun> {
  return async (...argv) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { env: env(), out: (text) => (stdout += text), err: (text) => (stderr += text) });
    const run = { code, stdout, stderr };
    seen?.(argv, run);
    return run;
  };
}
