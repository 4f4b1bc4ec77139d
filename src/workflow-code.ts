// The workflow code a worker runs, bundled once. The Temporal SDK bundles workflow code with webpack
// (seconds of CPU); left to Worker.create it did so at every start, and twice, since the worker
// process runs two workers. `npm run build` now writes one bundle per variant into
// dist/workflow-bundles/ together with a digest of what it was built from; a worker started from
// dist loads its variant when the digest still matches and bundles in-process otherwise (a worker
// run from the sources, a stale or missing build), once for both of its workers.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, type BundleOptions, type Logger, type WorkflowBundleOption } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from './temporal/codec/settings';
import { TRACING_WORKFLOW_INTERCEPTORS } from './tracing/temporal';

export interface WorkflowCodeVariant {
  /** Under Worker Versioning: the workflows carry their versioning behaviours (src/workflows/versioned.ts). */
  versioned: boolean;
  /** With tracing on: the OpenTelemetry workflow interceptors are bundled in. */
  traced: boolean;
}

export const WORKFLOW_CODE_VARIANTS: readonly WorkflowCodeVariant[] = [
  { versioned: false, traced: false },
  { versioned: false, traced: true },
  { versioned: true, traced: false },
  { versioned: true, traced: true },
];

/** Next to the compiled code: dist/workflow-bundles when built, src/workflow-bundles (absent) from the sources. */
const BUNDLE_DIR_NAME = 'workflow-bundles';
export const WORKFLOW_BUNDLE_DIR = path.join(__dirname, BUNDLE_DIR_NAME);
const DIGEST_FILE = 'built-from.sha256';

export function variantName({ versioned, traced }: WorkflowCodeVariant): string {
  return `${versioned ? 'versioned' : 'unversioned'}${traced ? '-traced' : ''}`;
}

/** What the bundler is given; the same at build time and in-process, so both bundles are one code. */
export function bundleOptionsFor(variant: WorkflowCodeVariant, workflowsPath?: string): BundleOptions {
  return {
    workflowsPath: workflowsPath ?? require.resolve(variant.versioned ? './workflows/versioned' : './workflows'),
    workflowInterceptorModules: variant.traced ? [TRACING_WORKFLOW_INTERCEPTORS] : [],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

/**
 * A digest of every compiled file the bundles could include (this directory's JavaScript) and of
 * the installed SDK's version: a bundle must come from the same @temporalio/worker that loads it.
 */
export function sourceDigest(root: string = __dirname): string {
  const hash = createHash('sha256');
  hash.update(`@temporalio/worker ${workerSdkVersion()}\n`);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== BUNDLE_DIR_NAME) walk(file);
      } else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        hash.update(`${path.relative(root, file)}\n`).update(readFileSync(file));
      }
    }
  };
  walk(root);
  return hash.digest('hex');
}

function workerSdkVersion(): string {
  const manifest = JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version?: unknown };
  return String(manifest.version);
}

export type WorkflowCodeSource = 'prebuilt' | 'bundled';

export interface WorkflowCode {
  bundle: WorkflowBundleOption;
  /** Where it came from: the build's bundle, or bundled by this process (and why). */
  source: WorkflowCodeSource;
  reason: string;
  /** A build's bundle was there but made from other code: worth a warning. */
  stale: boolean;
}

export interface WorkflowCodeOptions {
  /** Other workflow code than ours (the upgrade drill, a test's workflows): always bundled in-process. */
  workflowsPath?: string | undefined;
  /** The compiled code the bundles are made of (default: this file's directory, dist when built). */
  codeRoot?: string | undefined;
  /** Where the prebuilt bundles are (default: <codeRoot>/workflow-bundles). */
  dir?: string | undefined;
  logger?: Logger | undefined;
}

function locations(options: WorkflowCodeOptions): { codeRoot: string; dir: string } {
  const codeRoot = options.codeRoot ?? __dirname;
  return { codeRoot, dir: options.dir ?? path.join(codeRoot, BUNDLE_DIR_NAME) };
}

/** The build's bundle of this variant when it is current, else a bundle made now. */
export async function loadWorkflowCode(variant: WorkflowCodeVariant, options: WorkflowCodeOptions = {}): Promise<WorkflowCode> {
  const { codeRoot, dir } = locations(options);
  let reason: string;
  let stale = false;
  if (options.workflowsPath !== undefined) reason = 'other workflow code was asked for';
  else {
    const codePath = path.join(dir, `${variantName(variant)}.js`);
    const digestPath = path.join(dir, DIGEST_FILE);
    if (!existsSync(codePath) || !existsSync(digestPath)) reason = 'no prebuilt bundle (run npm run build)';
    else if (readFileSync(digestPath, 'utf8').trim() !== sourceDigest(codeRoot)) {
      reason = 'the prebuilt bundle is stale (run npm run build)';
      stale = true;
    } else return { bundle: { codePath }, source: 'prebuilt', reason: 'built by npm run build', stale };
  }
  const { code } = await bundleWorkflowCode({
    ...bundleOptionsFor(variant, options.workflowsPath),
    logger: options.logger ?? Runtime.instance().logger,
  });
  return { bundle: { code }, source: 'bundled', reason, stale };
}

/**
 * `npm run build`'s last step: every variant's bundle, then the digest that makes them current.
 * Skipped when the digest already matches: tsc rewrites the same bytes, and `npm run ops` builds
 * before every command.
 */
export async function writeWorkflowBundles(options: Omit<WorkflowCodeOptions, 'workflowsPath'> = {}): Promise<'written' | 'current'> {
  const { codeRoot, dir } = locations(options);
  const { logger } = options;
  const digest = sourceDigest(codeRoot);
  const digestPath = path.join(dir, DIGEST_FILE);
  const current =
    existsSync(digestPath) &&
    readFileSync(digestPath, 'utf8').trim() === digest &&
    WORKFLOW_CODE_VARIANTS.every((variant) => existsSync(path.join(dir, `${variantName(variant)}.js`)));
  if (current) return 'current';
  await mkdir(dir, { recursive: true });
  // Spoiled before the bundles are written and published after them: a bundle from an interrupted
  // build never counts as current.
  await writeFile(digestPath, 'incomplete\n');
  for (const variant of WORKFLOW_CODE_VARIANTS) {
    const { code } = await bundleWorkflowCode({ ...bundleOptionsFor(variant), ...(logger === undefined ? {} : { logger }) });
    const file = path.join(dir, `${variantName(variant)}.js`);
    await writeFile(`${file}.tmp`, code);
    await rename(`${file}.tmp`, file);
  }
  await writeFile(digestPath, `${digest}\n`);
  return 'written';
}

if (require.main === module) {
  const started = Date.now();
  writeWorkflowBundles({ logger: new DefaultLogger('WARN') })
    .then((outcome) => {
      if (outcome === 'written') {
        const seconds = Math.round((Date.now() - started) / 100) / 10;
        process.stderr.write(`build: ${WORKFLOW_CODE_VARIANTS.length} workflow bundles in ${seconds} s (${WORKFLOW_BUNDLE_DIR})\n`);
      }
    })
    .catch((error: unknown) => {
      process.stderr.write(`build: workflow bundles failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
