/**
 * The bench's own processes (the baselines, the bare-start loop, the cluster primary) compiled by
 * tsc into the run's temporary directory, so they run as plain `node`, like the receiver from
 * dist/: no tsx hook, no esbuild helper process in their CPU and memory.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runChild } from '../scripts/child-process';

export const BENCH_ENTRIES = [
  'bench/baselines/verify-only-receiver.ts',
  'bench/baselines/postgres-insert-receiver.ts',
  'bench/baselines/bare-start.ts',
  'bench/cluster-receiver.ts',
] as const;

export type BenchEntry = (typeof BENCH_ENTRIES)[number];

export interface CompiledEntries {
  /** `node <this>` runs the entry. */
  path(entry: BenchEntry): string;
  /** What the compiled files need to find the project's node_modules from the temporary directory. */
  env: Record<string, string>;
}

export async function compileEntries(root: string, outDir: string): Promise<CompiledEntries> {
  mkdirSync(outDir, { recursive: true });
  const tsconfig = path.join(outDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: {
        rootDir: root,
        outDir,
        noEmit: false,
        sourceMap: false,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules/@types')],
      },
      files: BENCH_ENTRIES.map((entry) => path.join(root, entry)),
      include: [],
    }),
  );
  const { code } = await runChild({
    command: process.execPath,
    args: [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
    cwd: root,
    stdout: 'inherit',
    stderr: 'inherit',
  });
  const compiled = (entry: BenchEntry): string => path.join(outDir, entry.replace(/\.ts$/, '.js'));
  const missing = BENCH_ENTRIES.filter((entry) => !existsSync(compiled(entry)));
  // tsc emits despite type errors (someone's edit in progress): only a missing file stops the run.
  if (missing.length > 0) throw new Error(`tsc (exit ${code}) did not produce ${missing.join(', ')}`);
  return { path: compiled, env: { NODE_PATH: path.join(root, 'node_modules') } };
}
