import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { loadWorkflowCode, sourceDigest, variantName, WORKFLOW_CODE_VARIANTS, writeWorkflowBundles } from '../src/workflow-code';
import { loadCorpus, replayAll } from './replay/corpus';

// `npm run build` bundles the workflow code once; a worker loads the build's bundle only while it
// is the bundle of the code beside it, and bundles in-process otherwise.

const SRC = path.resolve(__dirname, '../src');
const quiet = new DefaultLogger('WARN');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'osigu-bundles-'));
  expect(await writeWorkflowBundles({ codeRoot: SRC, dir, logger: quiet })).toBe('written');
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('writes one bundle per variant, and a second build of the same code writes nothing', async () => {
  for (const variant of WORKFLOW_CODE_VARIANTS) {
    expect(readFileSync(path.join(dir, `${variantName(variant)}.js`), 'utf8').length).toBeGreaterThan(10_000);
  }
  expect(readFileSync(path.join(dir, 'built-from.sha256'), 'utf8').trim()).toBe(sourceDigest(SRC));
  expect(await writeWorkflowBundles({ codeRoot: SRC, dir, logger: quiet })).toBe('current');
});

it('a worker loads the current bundle of its variant from the build', async () => {
  const code = await loadWorkflowCode({ versioned: true, traced: false }, { codeRoot: SRC, dir });
  expect(code).toMatchObject({ source: 'prebuilt', stale: false, bundle: { codePath: path.join(dir, 'versioned.js') } });
});

it('the traced bundles carry the tracing interceptors and the others do not', () => {
  const read = (traced: boolean): string => readFileSync(path.join(dir, `${variantName({ versioned: false, traced })}.js`), 'utf8');
  expect(read(true)).toContain('OpenTelemetryInboundInterceptor');
  expect(read(false)).not.toContain('OpenTelemetryInboundInterceptor');
});

it('the build’s bundle replays every recorded history, as the sources do', async () => {
  const failures = await replayAll(loadCorpus(), { codePath: path.join(dir, 'unversioned.js') });
  expect(failures).toEqual([]);
}, 300_000);

it('a stale bundle (built from other code) is not loaded: the worker bundles its own code', async () => {
  const stale = mkdtempSync(path.join(tmpdir(), 'osigu-bundles-stale-'));
  try {
    writeFileSync(path.join(stale, 'unversioned.js'), readFileSync(path.join(dir, 'unversioned.js')));
    writeFileSync(path.join(stale, 'built-from.sha256'), `${'0'.repeat(64)}\n`);
    const code = await loadWorkflowCode({ versioned: false, traced: false }, { codeRoot: SRC, dir: stale, logger: quiet });
    expect(code.source).toBe('bundled');
    expect(code.stale).toBe(true);
    expect(code.bundle).toHaveProperty('code');
  } finally {
    rmSync(stale, { recursive: true, force: true });
  }
}, 120_000);

it('no build: the worker bundles in-process, and says why', async () => {
  const code = await loadWorkflowCode({ versioned: false, traced: false }, { codeRoot: SRC, dir: path.join(dir, 'absent'), logger: quiet });
  expect(code).toMatchObject({ source: 'bundled', stale: false });
  expect(code.reason).toContain('npm run build');
}, 120_000);

it('the digest follows every file of the code and the SDK version, not the bundles themselves', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'osigu-digest-'));
  try {
    mkdirSync(path.join(root, 'workflows'));
    writeFileSync(path.join(root, 'workflows', 'index.js'), 'exports.a = 1;');
    const before = sourceDigest(root);
    mkdirSync(path.join(root, 'workflow-bundles'));
    writeFileSync(path.join(root, 'workflow-bundles', 'unversioned.js'), 'bundle');
    expect(sourceDigest(root)).toBe(before);
    writeFileSync(path.join(root, 'workflows', 'index.js'), 'exports.a = 2;');
    expect(sourceDigest(root)).not.toBe(before);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
