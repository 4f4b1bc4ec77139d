import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// These tests never let the script reach a real `go install`: every run gets a PATH made only of
// temp dirs (basic tools symlinked, no real `go`; the build tests put a fake `go` first), a temp
// HOME and a temp cache dir.

const SCRIPT = resolve(__dirname, '../../scripts/temporal-cli.sh');
const PINNED_VERSION = '1.5.1';

/** Tools the script (and the fake `go`) may use; the real `go` is deliberately absent. */
const TOOLS = [...['bash', 'env', 'chmod', 'flock', 'grep', 'mkdir', 'mktemp', 'mv', 'rm'], ...['sleep', 'tail', 'timeout', 'wc']];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;
let toolsDir: string;
let bash: string;

function run(env: Record<string, string>, args: string[] = [], file?: string): Promise<Result> {
  const [cmd, argv] = file === undefined ? [bash, [SCRIPT, ...args]] : [file, args];
  return new Promise((done) => {
    execFile(cmd, argv, { env, cwd: root, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

let counter = 0;
function tempDir(name: string): string {
  const dir = join(root, `${name}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function writeExecutable(path: string, body: string): string {
  writeFileSync(path, `#!${bash}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A dir holding a fake `temporal` that reports `version`. */
function fakeTemporalOnPath(version: string): { dir: string; bin: string } {
  const dir = tempDir('fakebin');
  const bin = writeExecutable(join(dir, 'temporal'), `echo "temporal version ${version} (Server 1.29.1, UI 2.42.1)"`);
  return { dir, bin };
}

/** Base environment: nothing from the developer's shell leaks in (no real temporal, no go). */
function baseEnv(extra: Record<string, string> = {}, pathDirs: string[] = []): Record<string, string> {
  return {
    PATH: [...pathDirs, toolsDir].join(':'),
    HOME: tempDir('home'),
    OSIGU_CACHE_DIR: tempDir('cache'),
    ...extra,
  };
}

function withoutCacheDir(env: Record<string, string>): Record<string, string> {
  const copy = { ...env };
  delete copy.OSIGU_CACHE_DIR;
  return copy;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'temporal-cli-test-'));
  toolsDir = join(root, 'tools');
  mkdirSync(toolsDir);
  for (const tool of TOOLS) {
    let target = '';
    try {
      target = execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    } catch {
      continue; // optional tool (e.g. timeout) not installed: the script copes
    }
    if (target.startsWith('/')) symlinkSync(target, join(toolsDir, tool));
  }
  bash = join(toolsDir, 'bash');
  if (!existsSync(bash)) throw new Error('bash not found');
  if (existsSync(join(toolsDir, 'go'))) throw new Error('go must not be on the test PATH');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('scripts/temporal-cli.sh', () => {
  it('is executable and runs through its shebang', async () => {
    expect(statSync(SCRIPT).mode & 0o111).not.toBe(0);
    const res = await run(baseEnv(), ['--version'], SCRIPT);
    expect(res).toEqual({ code: 0, stdout: `${PINNED_VERSION}\n`, stderr: '' });
  });

  it('--help documents the lookup on stdout', async () => {
    const res = await run(baseEnv(), ['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('TEMPORAL_CLI_PATH');
    expect(res.stdout).toContain('OSIGU_CACHE_DIR');
  });

  it('rejects unknown arguments', async () => {
    const res = await run(baseEnv(), ['--bogus']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--bogus');
  });

  describe('TEMPORAL_CLI_PATH', () => {
    it('prints exactly that path and nothing else on stdout', async () => {
      const bin = writeExecutable(join(tempDir('custom'), 'my-temporal'), 'exit 0');
      const res = await run(baseEnv({ TEMPORAL_CLI_PATH: bin }));
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${bin}\n`);
    });

    it('wins over a matching temporal on PATH and over the cache', async () => {
      const bin = writeExecutable(join(tempDir('custom'), 'my-temporal'), 'exit 0');
      const onPath = fakeTemporalOnPath(PINNED_VERSION);
      const env = baseEnv({ TEMPORAL_CLI_PATH: bin }, [onPath.dir]);
      const cached = join(env.OSIGU_CACHE_DIR!, 'temporal-cli', PINNED_VERSION, 'temporal');
      mkdirSync(join(cached, '..'), { recursive: true });
      writeExecutable(cached, 'exit 0');
      const res = await run(env);
      expect(res.stdout).toBe(`${bin}\n`);
    });

    it('fails naming TEMPORAL_CLI_PATH when the file is missing', async () => {
      const missing = join(root, 'does-not-exist', 'temporal');
      const res = await run(baseEnv({ TEMPORAL_CLI_PATH: missing }));
      expect(res.code).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain('TEMPORAL_CLI_PATH');
      expect(res.stderr).toContain(missing);
    });

    it('fails when the file is not executable', async () => {
      const file = join(tempDir('custom'), 'temporal');
      writeFileSync(file, 'not a program');
      const res = await run(baseEnv({ TEMPORAL_CLI_PATH: file }));
      expect(res.code).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain('TEMPORAL_CLI_PATH');
    });
  });

  describe('temporal on PATH', () => {
    it('uses it when it reports the pinned version (without touching the cache)', async () => {
      const onPath = fakeTemporalOnPath(PINNED_VERSION);
      const env = baseEnv({}, [onPath.dir]);
      const res = await run(env);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${onPath.bin}\n`);
      expect(readdirSync(env.OSIGU_CACHE_DIR!)).toEqual([]);
    });

    it('skips a wrong version and, without Go, fails telling how to install', async () => {
      const onPath = fakeTemporalOnPath('1.4.0');
      const env = baseEnv({}, [onPath.dir]);
      const res = await run(env);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain(`ignoring ${onPath.bin}: version 1.4.0`);
      expect(res.stderr).toMatch(/install Go/);
      expect(res.stderr).toContain('TEMPORAL_CLI_PATH');
      expect(readdirSync(env.OSIGU_CACHE_DIR!)).toEqual([]);
    });

    it('takes the first matching one when several are on PATH', async () => {
      const wrong = fakeTemporalOnPath('0.0.0-DEV');
      const right = fakeTemporalOnPath(PINNED_VERSION);
      const res = await run(baseEnv({}, [wrong.dir, right.dir]));
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${right.bin}\n`);
    });
  });

  describe('build (with a fake go)', () => {
    /**
     * A fake `go`: `go env GOVERSION` answers, `go install` records its arguments, prints a few
     * "-v" package lines, then either drops a binary into $GOBIN or fails with `failure` on stderr.
     */
    function fakeGo(opts: { failure?: string; delaySeconds?: number } = {}): { dir: string; calls: string } {
      const dir = tempDir('fakego');
      const calls = join(dir, 'calls.log');
      const delay = opts.delaySeconds ?? 0;
      const finish =
        opts.failure === undefined
          ? [
              'printf \'#!/bin/sh\\necho "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)"\\n\' > "$GOBIN/temporal"',
              'chmod +x "$GOBIN/temporal"',
            ].join('\n')
          : `echo ${JSON.stringify(opts.failure)} >&2; exit 1`;
      writeExecutable(
        join(dir, 'go'),
        [
          'case "$1" in',
          '  env) echo go1.26.0 ;;',
          '  install)',
          '    printf "CGO_ENABLED=%s GOBIN=%s ARGS=%s\\n" "$CGO_ENABLED" "$GOBIN" "$*" >> ' + JSON.stringify(calls),
          '    echo "go: downloading example.com/mod v1.0.0" >&2',
          '    echo example.com/mod/a; echo example.com/mod/b',
          `    sleep ${delay}`,
          `    ${finish}`,
          '    ;;',
          '  *) exit 2 ;;',
          'esac',
        ].join('\n'),
      );
      return { dir, calls };
    }

    it('go-installs into a temp dir, then moves the binary into the cache', async () => {
      const go = fakeGo();
      const env = baseEnv({}, [go.dir]);
      const versionDir = join(env.OSIGU_CACHE_DIR!, 'temporal-cli', PINNED_VERSION);
      const res = await run(env);
      expect(res.stderr).toContain('built in');
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${join(versionDir, 'temporal')}\n`);
      const call = readFileSync(go.calls, 'utf8');
      expect(call).toContain('CGO_ENABLED=0 ');
      expect(call).toContain(`GOBIN=${versionDir}/.build.`);
      expect(call).toContain('-trimpath');
      expect(call).toContain(`-ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=${PINNED_VERSION}`);
      expect(call).toContain(`github.com/temporalio/cli/cmd/temporal@v${PINNED_VERSION}`);
      expect(readdirSync(versionDir).sort()).toEqual(['.lock', 'build.log', 'temporal']);
      // Second run: straight from the cache, no new go install.
      expect((await run(env)).stdout).toBe(res.stdout);
      expect(readFileSync(go.calls, 'utf8').trim().split('\n')).toHaveLength(1);
    });

    it('builds only once when two runs race (flock)', async () => {
      const go = fakeGo({ delaySeconds: 1 });
      const env = baseEnv({}, [go.dir]);
      const [a, b] = await Promise.all([run(env), run(env)]);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(readFileSync(go.calls, 'utf8').trim().split('\n')).toHaveLength(1);
    });

    it('explains a module proxy refusal and leaves no binary behind', async () => {
      const go = fakeGo({
        failure: 'go: example.com/mod@v1.0.0: reading https://proxy.golang.org/example.com/mod/@v/v1.0.0.zip: 410 Gone',
      });
      const env = baseEnv({}, [go.dir]);
      const versionDir = join(env.OSIGU_CACHE_DIR!, 'temporal-cli', PINNED_VERSION);
      const res = await run(env);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain('410 Gone'); // tail of the build log
      expect(res.stderr).toContain('Go module proxy refused');
      expect(res.stderr).toContain('go.temporal.io/server/cmd/server@v1.29.1');
      expect(res.stderr).toContain('github.com/temporalio/ui-server/v2');
      expect(readdirSync(versionDir).sort()).toEqual(['.lock', 'build.log']);
    });

    it('shows the log tail on other build failures', async () => {
      const go = fakeGo({ failure: 'compile: something broke' });
      const res = await run(baseEnv({}, [go.dir]));
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain('compile: something broke');
      expect(res.stderr).not.toContain('Go module proxy refused');
    });
  });

  describe('cache', () => {
    function populate(cacheRoot: string, version = PINNED_VERSION): string {
      const dir = join(cacheRoot, 'temporal-cli', version);
      mkdirSync(dir, { recursive: true });
      return writeExecutable(join(dir, 'temporal'), 'exit 0');
    }

    it('prints the cached binary from OSIGU_CACHE_DIR', async () => {
      const env = baseEnv();
      const cached = populate(env.OSIGU_CACHE_DIR!);
      const res = await run(env);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${cached}\n`);
    });

    it('prefers the cache over a wrong-version temporal on PATH', async () => {
      const onPath = fakeTemporalOnPath('1.4.0');
      const env = baseEnv({}, [onPath.dir]);
      const cached = populate(env.OSIGU_CACHE_DIR!);
      const res = await run(env);
      expect(res.stdout).toBe(`${cached}\n`);
    });

    it('defaults to $XDG_CACHE_HOME/osigu-webhooks', async () => {
      const env = withoutCacheDir(baseEnv());
      const xdg = tempDir('xdg');
      const cached = populate(join(xdg, 'osigu-webhooks'));
      const res = await run({ ...env, XDG_CACHE_HOME: xdg });
      expect(res.stdout).toBe(`${cached}\n`);
    });

    it('defaults to $HOME/.cache/osigu-webhooks', async () => {
      const env = withoutCacheDir(baseEnv());
      const cached = populate(join(env.HOME!, '.cache', 'osigu-webhooks'));
      const res = await run(env);
      expect(res.stdout).toBe(`${cached}\n`);
    });

    it('is keyed by TEMPORAL_CLI_VERSION', async () => {
      const env = baseEnv({ TEMPORAL_CLI_VERSION: '9.8.7' });
      populate(env.OSIGU_CACHE_DIR!); // pinned version: must not be used
      const cached = populate(env.OSIGU_CACHE_DIR!, '9.8.7');
      const res = await run(env);
      expect(res.stdout).toBe(`${cached}\n`);
      expect((await run(env, ['--version'])).stdout).toBe('9.8.7\n');
    });
  });
});
