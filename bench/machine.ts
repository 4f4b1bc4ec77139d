/** What the figures were measured on: they mean little without it. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpuModel: string;
  /** What nproc says: the cores this process may use. */
  nproc: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  packages: Record<string, string>;
  /** Filled in as the run finds them. */
  temporalCli?: string;
  temporalServers: Record<string, string>;
  postgres?: string;
  git: { commit: string; uncommittedChanges: boolean } | undefined;
  loadAverage: { atStart: number[]; atEnd?: number[] };
}

function packageVersion(root: string, name: string): string {
  const file = path.join(root, 'node_modules', name, 'package.json');
  return existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?') : 'not installed';
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

function git(root: string): MachineInfo['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
    return { commit, uncommittedChanges: status !== '' };
  } catch {
    return undefined;
  }
}

const roundLoad = (): number[] => os.loadavg().map((value) => Math.round(value * 100) / 100);

export function describeMachine(root: string): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  return {
    cpuModel,
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    kernel: os.release(),
    node: process.version,
    packages: Object.fromEntries(
      ['@temporalio/client', '@temporalio/worker', 'koa', 'pg', 'autocannon'].map((name) => [name, packageVersion(root, name)]),
    ),
    temporalServers: {},
    git: git(root),
    loadAverage: { atStart: roundLoad() },
  };
}

export function finishMachine(machine: MachineInfo): void {
  machine.loadAverage.atEnd = roundLoad();
}

export function temporalCliVersion(cliPath: string): string {
  try {
    return execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
