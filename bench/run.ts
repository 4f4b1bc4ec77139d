/**
 * `npm run bench`: every variant of the performance issue, one after the other, at the same
 * offered loads with the same signed events; then receivers and workers scaled. See
 * bench/README.md. Exits 0 whatever the times are, 1 if an acknowledged event was not found
 * exactly once, 2 if nothing could run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { runChild } from '../scripts/child-process';
import { DEV_WEBHOOK_SECRET } from '../scripts/dev-keys';
import { temporalCliPath } from '../scripts/dev-server';
import { renderChart } from './chart';
import { compileEntries } from './compile';
import { runCost } from './cost/command';
import { sleep } from './children';
import { describeMachine, finishMachine, temporalCliVersion } from './machine';
import { cpuOver, startMachineWindow, startUsageWindow, type Usage } from './measure/process-usage';
import { loadTemplates, newTag } from './load/events';
import type { DriveSpec, LoadSpec, Progress } from './load/pacer';
import { parseOptions, type BenchOptions } from './options';
import { analyze, renderReport, sustainedRate } from './report';
import type { BenchResults, ScalingResult, SkippedVariant, StepResult, VariantResult } from './results';
import { SkipVariant, startPostgresTemporal, startSqliteTemporal, type TemporalBackend } from './temporal/backends';
import { VARIANTS } from './variants';
import { startOurStack } from './variants/receiver';
import type { RunContext, StepRun, Target } from './variants/types';

const ROOT = path.resolve(__dirname, '..');
/** Below this (percent of one core, all measured servers together) the servers count as quiet. */
const QUIET_CPU_PERCENT = 15;

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Anything still running when the run is interrupted. */
const cleanups = new Set<() => Promise<void>>();

function label(load: LoadSpec): string {
  return load.kind === 'rate' ? `${load.rate}/s` : `max (${load.connections} conn.)`;
}

export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds} s` : `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function build(): Promise<boolean> {
  say('bench: npm run build (the receiver and worker run from dist/, as in production)');
  const run = await runChild({ command: 'npm', args: ['run', '--silent', 'build'], cwd: ROOT, stdout: 'inherit', stderr: 'inherit' });
  return run.code === 0;
}

/** Waits (at most --settle seconds) until the servers are quiet and no task waits for a worker. */
async function settle(options: BenchOptions, target: Target): Promise<number> {
  const started = Date.now();
  const selectors = Object.entries(target.roles())
    .filter(([role]) => role !== 'generator' && role !== 'postgres')
    .map(([, selector]) => selector);
  while (Date.now() - started < options.settleSeconds * 1000) {
    const busy = (await Promise.all(selectors.map((selector) => cpuOver(selector, 1_000)))).reduce((sum, value) => sum + value, 0);
    const waiting = await target.backlog?.();
    if (busy < QUIET_CPU_PERCENT && (waiting === undefined || waiting === 0)) break;
  }
  return Math.round((Date.now() - started) / 100) / 10;
}

function printProgress(name: string, stepLabel: string): (progress: Progress | string) => void {
  return (progress) => {
    if (typeof progress === 'string') say(`    ${name} ${stepLabel}  ${progress.replace(/^load: /, '')}`);
    else {
      say(
        `    ${name} ${stepLabel}  ${progress.elapsedSeconds} s  sent ${progress.sent}  acknowledged ${progress.acknowledged}` +
          `  failed ${progress.failed}  in flight ${progress.inFlight}`,
      );
    }
  };
}

interface MeasuredStep {
  result: StepResult;
  acknowledgedIds: string[];
}

/**
 * After a fixed-rate step: how long until no task waits and every event the step sent has been
 * handed to its entity, or null past --catch-up. Polled every half second (visibility lags about
 * as much), so the figure is good to half a second.
 */
async function catchUp(options: BenchOptions, target: Target, prefix: string): Promise<number | null | undefined> {
  if (target.backlog === undefined || target.pending === undefined) return undefined;
  const started = Date.now();
  for (;;) {
    const [waiting, pending] = await Promise.all([target.backlog(), target.pending(prefix)]);
    if (waiting === undefined || pending === undefined) return undefined;
    if (waiting === 0 && pending === 0) return Math.round((Date.now() - started) / 100) / 10;
    if (Date.now() - started > options.catchUpSeconds * 1000) return null;
    await sleep(500);
  }
}

async function measureStep(name: string, options: BenchOptions, target: Target, spec: DriveSpec): Promise<MeasuredStep> {
  const settledBeforeSeconds = await settle(options, target);
  const stepLabel = label(spec.load);
  say(`  ${stepLabel}${settledBeforeSeconds > 1.5 ? ` (after ${settledBeforeSeconds} s for the servers to go quiet)` : ''}`);
  const windows = Object.entries(target.roles()).map(([role, selector]) => [role, startUsageWindow(selector)] as const);
  const machine = startMachineWindow();
  const run: StepRun = await target.run(spec, newTag(), printProgress(name, stepLabel));
  const usage: Record<string, Usage> = Object.fromEntries(windows.map(([role, window]) => [role, window.end()]));
  const machineBusyPercent = machine.end();
  const backlogAfter = await target.backlog?.();
  const caughtUpSeconds = spec.load.kind === 'rate' ? await catchUp(options, target, run.eventIdPrefix) : undefined;
  const errors = Object.fromEntries(
    Object.entries(run.outcomes).filter(([key]) => !/^2\d\d$/.test(key) && key !== 'started' && key !== 'duplicate'),
  );
  const throughputPerSecond = run.durationSeconds > 0 ? Math.round((run.acknowledged / run.durationSeconds) * 10) / 10 : 0;
  // A closed loop stops with a request in flight on each connection: judge it by what was answered.
  const keptUp =
    spec.load.kind === 'closed'
      ? run.answered > 0 && run.acknowledged >= 0.99 * run.answered
      : run.acknowledged >= 0.99 * run.sent && throughputPerSecond >= 0.9 * spec.load.rate;
  const result: StepResult = {
    label: stepLabel,
    load: spec.load,
    generator: run.generator,
    durationSeconds: run.durationSeconds,
    sent: run.sent,
    answered: run.answered,
    acknowledged: run.acknowledged,
    throughputPerSecond,
    keptUp,
    latencyMs: run.latencyMs,
    outcomes: run.outcomes,
    errors,
    ...(run.scheduleLagMs === undefined ? {} : { scheduleLagMs: run.scheduleLagMs }),
    usage,
    machineBusyPercent,
    ...(backlogAfter === undefined ? {} : { backlogAfter }),
    ...(caughtUpSeconds === undefined ? {} : { caughtUpSeconds }),
    settledBeforeSeconds,
    eventIdPrefix: run.eventIdPrefix,
  };
  const { latencyMs: l } = result;
  const receiver = usage.receiver;
  say(
    `  → ${stepLabel}: ${result.throughputPerSecond}/s acknowledged${keptUp ? '' : ' (fell behind)'}, p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max} ms, ` +
      `errors ${Object.keys(errors).length === 0 ? 'none' : JSON.stringify(errors)}, receiver CPU ${receiver?.cpuPercent ?? '?'} %, ` +
      `peak RSS ${receiver?.peakRssMiB ?? '?'} MiB, machine busy ${machineBusyPercent} %${backlogAfter === undefined ? '' : `, backlog ${backlogAfter}`}` +
      (caughtUpSeconds === undefined
        ? ''
        : caughtUpSeconds === null
          ? `, follow-up not caught up within ${options.catchUpSeconds} s`
          : `, follow-up caught up ${caughtUpSeconds} s after the step`),
  );
  return { result, acknowledgedIds: run.acknowledgedIds };
}

async function warmUp(options: BenchOptions, target: Target): Promise<void> {
  if (options.warmupSeconds <= 0) return;
  const rate = options.rates[0] ?? 50;
  say(`  warm-up: ${rate}/s for ${options.warmupSeconds} s (not measured)`);
  await target.run(
    { load: { kind: 'rate', rate }, durationSeconds: options.warmupSeconds, maxInFlight: options.maxInFlight },
    newTag(),
    () => undefined,
  );
}

async function checkSteps(target: Target, steps: MeasuredStep[]): Promise<void> {
  if (target.check === undefined) return;
  for (const step of steps) {
    const result = await target.check(step.result.eventIdPrefix, step.acknowledgedIds);
    step.result.exactlyOnce = result;
    say(
      `  exactly once, ${step.result.label}: ${result.ok ? 'yes' : 'NO'} — ${result.acknowledged} acknowledged, ${result.found} found in ${result.store}` +
        `, ${result.missing} missing, ${result.duplicated} twice` +
        (result.sampled > 0 ? `, ${result.sampled - result.sampleFailures}/${result.sampled} described` : '') +
        (result.storedNotAcknowledged > 0 ? `, ${result.storedNotAcknowledged} stored without a 2xx` : '') +
        (result.examples.length > 0 ? ` (${result.examples.join('; ')})` : ''),
    );
  }
}

/** Runs a target's steps; what was measured is kept even if a later step fails. */
async function runSteps(
  name: string,
  options: BenchOptions,
  target: Target,
  specs: readonly DriveSpec[],
): Promise<{ steps: StepResult[]; error?: string }> {
  const measured: MeasuredStep[] = [];
  let error: string | undefined;
  try {
    await warmUp(options, target);
    for (const spec of specs) measured.push(await measureStep(name, options, target, spec));
  } catch (caught) {
    error = errorText(caught);
    say(`  failed: ${error}`);
  }
  const problem = target.problem?.();
  if (problem !== undefined) {
    error = `${error === undefined ? '' : `${error}; `}${problem}`;
    say(`  ${problem}`);
  }
  try {
    await checkSteps(target, measured);
  } catch (caught) {
    error = `${error === undefined ? '' : `${error}; `}exactly-once check failed to run: ${errorText(caught)}`;
    say(`  ${error}`);
  }
  return { steps: measured.map((step) => step.result), ...(error === undefined ? {} : { error }) };
}

async function withTarget<T>(start: () => Promise<Target>, use: (target: Target) => Promise<T>): Promise<T> {
  const target = await start();
  const stop = (): Promise<void> => target.stop();
  cleanups.add(stop);
  try {
    return await use(target);
  } finally {
    cleanups.delete(stop);
    await stop();
  }
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

async function postgresVersion(pgUrl: string): Promise<string | undefined> {
  const url = new URL(pgUrl);
  url.pathname = '/postgres';
  const client = new PgClient({ connectionString: url.href, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const limit = await client.query<{ max_connections: string }>('SHOW max_connections');
    const used = await client.query<{ count: string }>('SELECT count(*) FROM pg_stat_activity');
    return `${version.rows[0]?.server_version ?? '?'}; max_connections ${limit.rows[0]?.max_connections ?? '?'}, ${used.rows[0]?.count ?? '?'} in use at the start`;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const command = ['npm run bench', ...(options.argv.length > 0 ? ['--', ...options.argv] : [])].join(' ');
  say(`bench: ${command}`);

  if (options.build && !(await build())) {
    say('bench: npm run build failed; fix the build or run with --no-build to use dist/ as it is');
    return 2;
  }
  for (const entry of ['dist/http/server.js', 'dist/worker.js']) {
    if (!existsSync(path.join(ROOT, entry))) {
      say(`bench: ${entry} is missing; run npm run build`);
      return 2;
    }
  }
  let templates;
  try {
    templates = loadTemplates(options.eventTypes, options.fixturesDir);
  } catch (error) {
    say(`bench: ${errorText(error)}`);
    return 2;
  }

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'osigu-bench-'));
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir);
  say(`bench: databases and logs in ${workDir}`);
  say('bench: compiling the baselines and the cluster primary (tsc)');
  let entries;
  try {
    entries = await compileEntries(ROOT, path.join(workDir, 'build'));
  } catch (error) {
    say(`bench: ${errorText(error)}`);
    return 2;
  }
  const machine = describeMachine(ROOT);
  const pgVersion = await postgresVersion(options.pgUrl);
  if (pgVersion !== undefined) machine.postgres = pgVersion;

  let postgresBackend: TemporalBackend | undefined;
  const stopPostgres = async (): Promise<void> => {
    cleanups.delete(stopPostgres);
    await postgresBackend?.stop();
  };
  const ctx: RunContext = {
    root: ROOT,
    workDir,
    logDir,
    options,
    // These receivers only ever see the bench's own traffic.
    secret: DEV_WEBHOOK_SECRET,
    templates,
    entries,
    cliPath: memo(async () => {
      try {
        const cliPath = await temporalCliPath();
        machine.temporalCli = temporalCliVersion(cliPath);
        return cliPath;
      } catch (error) {
        throw new SkipVariant(`no Temporal CLI: ${errorText(error)}`);
      }
    }),
    postgresTemporal: memo(async () => {
      const backend = await startPostgresTemporal({
        root: ROOT,
        logDir,
        reset: options.pgReset,
        pgUrl: options.pgUrl,
        settings: options.pgEnv,
      });
      postgresBackend = backend;
      cleanups.add(stopPostgres);
      machine.temporalServers.postgres = `server ${backend.serverVersion} on PostgreSQL`;
      return backend;
    }),
    say,
  };

  const specs: DriveSpec[] = [
    ...options.rates.map((rate): DriveSpec => ({
      load: { kind: 'rate', rate },
      durationSeconds: options.durationSeconds,
      maxInFlight: options.maxInFlight,
    })),
    {
      load: { kind: 'closed', connections: options.connections },
      durationSeconds: options.durationSeconds,
      maxInFlight: options.maxInFlight,
    },
  ];

  const variants: VariantResult[] = [];
  const skipped: SkippedVariant[] = [];
  let failedToStart = false;
  for (const definition of VARIANTS.filter((variant) => options.variants.includes(variant.id))) {
    say(`\n== ${definition.number}. ${definition.title}`);
    try {
      const outcome = await withTarget(
        () => definition.setup(ctx),
        async (target) => {
          if (definition.backend === 'sqlite') machine.temporalServers.sqlite = target.info.temporal ?? '';
          return { info: target.info, ...(await runSteps(definition.id, options, target, specs)) };
        },
      );
      variants.push({
        id: definition.id,
        number: definition.number,
        title: definition.title,
        summary: definition.summary,
        ...(definition.backend === undefined ? {} : { backend: definition.backend }),
        ...outcome,
      });
    } catch (error) {
      const reason = error instanceof SkipVariant ? error.message : `could not start: ${errorText(error)}`;
      if (!(error instanceof SkipVariant)) failedToStart = true;
      say(`  skipped: ${reason}`);
      skipped.push({ id: definition.id, number: definition.number, title: definition.title, reason });
    }
  }

  const scaling: ScalingResult[] = [];
  let scalingSkipped: string | undefined;
  if (options.scaling.length === 0) scalingSkipped = 'Not run (--no-scaling).';
  for (const point of options.scaling) {
    const name = `scaling-${point.receivers}x${point.workers}`;
    say(
      `\n== Scaling: ${point.receivers} receiver process${point.receivers === 1 ? '' : 'es'} × ${point.workers} worker${point.workers === 1 ? '' : 's'}, closed-loop maximum`,
    );
    let backend: TemporalBackend | undefined;
    const stopBackend = async (): Promise<void> => {
      cleanups.delete(stopBackend);
      await backend?.stop();
    };
    try {
      const fresh = await startSqliteTemporal({
        cliPath: await ctx.cliPath(),
        dbFile: options.devDb === 'file' ? path.join(workDir, `${name}.db`) : undefined,
        dynamicConfig: options.temporalConfig,
      });
      backend = fresh;
      cleanups.add(stopBackend);
      const spec = specs[specs.length - 1] as DriveSpec;
      const outcome = await withTarget(
        () => startOurStack(ctx, fresh, { receivers: point.receivers, workers: point.workers, name, cluster: true }),
        async (target) => ({ info: target.info, ...(await runSteps(name, options, target, [spec])) }),
      );
      scaling.push({
        ...point,
        info: outcome.info,
        ...(outcome.steps[0] === undefined ? {} : { step: outcome.steps[0] }),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      });
    } catch (error) {
      if (error instanceof SkipVariant) {
        scalingSkipped = `Not run: ${error.message}`;
        say(`  skipped: ${error.message}`);
        break;
      }
      failedToStart = true;
      say(`  failed: ${errorText(error)}`);
      scaling.push({ ...point, info: {}, error: errorText(error) });
    } finally {
      await stopBackend();
    }
  }

  await stopPostgres();
  for (const note of postgresBackend?.notes ?? []) say(`bench: ${note}`);
  finishMachine(machine);

  const allSteps = [
    ...variants.flatMap((variant) => variant.steps),
    ...scaling.flatMap((point) => (point.step === undefined ? [] : [point.step])),
  ];
  const exactlyOnceOk = allSteps.every((step) => step.exactlyOnce === undefined || step.exactlyOnce.ok);
  const finishedAt = new Date();
  const recordedOptions = Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'argv')) as Omit<BenchOptions, 'argv'>;
  const results: BenchResults = {
    schema: 'osigu-webhooks.bench/v1',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    command,
    options: recordedOptions,
    machine,
    variants,
    skipped,
    scaling,
    ...(scalingSkipped === undefined ? {} : { scalingSkipped }),
    analysis: analyze(variants, scaling),
    exactlyOnceOk,
  };

  const stamp = `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}Z${options.quick ? '-quick' : ''}`;
  const outDir = path.resolve(options.out ?? path.join(ROOT, 'bench', 'results', stamp));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const chart = renderChart(variants);
  if (chart !== undefined) writeFileSync(path.join(outDir, 'chart.svg'), chart);
  writeFileSync(path.join(outDir, 'report.md'), renderReport(results));
  const shown = outDir.startsWith(`${process.cwd()}${path.sep}`) ? path.relative(process.cwd(), outDir) : outDir;
  say(
    `\nbench: results in ${shown}/ (results.json, report.md${chart === undefined ? '' : ', chart.svg'}) after ${formatDuration(results.wallSeconds)}`,
  );
  for (const variant of variants) {
    const sustained = sustainedRate(variant.steps);
    if (sustained.measured)
      say(
        `  sustained rate, ${variant.id}: ${sustained.rate === null ? 'none of the rates tried' : `${sustained.rate}/s`} (follow-up caught up within ${options.catchUpSeconds} s)`,
      );
  }
  for (const goal of results.analysis.goals)
    say(`  goal: ${goal.goal}: ${goal.met === undefined ? goal.measured : `${goal.met ? 'met' : 'not met'} (${goal.measured})`}`);

  if (options.keepTemp || failedToStart || variants.some((variant) => variant.error !== undefined)) say(`bench: logs kept in ${logDir}`);
  else rmSync(workDir, { recursive: true, force: true });

  if (!exactlyOnceOk) {
    say('bench: an acknowledged event was not found exactly once (see report.md): a correctness failure');
    return 1;
  }
  if (variants.length === 0 && scaling.every((point) => point.step === undefined)) {
    say('bench: nothing could be measured');
    return 2;
  }
  return 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`\nbench: ${signal}: stopping what runs (no report)`);
    void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() => sleep(100).then(() => process.exit(130)));
  });
}

// `--cost-only`: count Temporal work per event on a running stack instead of running the variants.
const costOnly = process.argv.indexOf('--cost-only');
if (costOnly >= 0) runCost(process.argv.slice(2).filter((_, index) => index !== costOnly - 2));
else
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      say(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(2);
    },
  );
