import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultFixturesDir } from '../simulator/events/fixtures';
import { DEFAULT_EVENT_TYPES } from './load/events';

export interface ScalingPoint {
  receivers: number;
  workers: number;
}

export interface BenchOptions {
  /** Variant ids, in the order they run. */
  variants: string[];
  rates: number[];
  durationSeconds: number;
  connections: number;
  maxInFlight: number;
  scaling: ScalingPoint[];
  eventTypes: string[];
  fixturesDir: string;
  warmupSeconds: number;
  settleSeconds: number;
  /** After a fixed-rate step, how long the follow-up may take to catch up for the rate to count as sustained. */
  catchUpSeconds: number;
  checkTimeoutSeconds: number;
  logLevel: string;
  pgUrl: string;
  pgReset: boolean;
  /** The dev server's database in 1, 5 (SQLite) and scaling: a file, as npm run dev keeps it, or memory. */
  devDb: 'file' | 'memory';
  /** `--dynamic-config-value` pairs for every dev server the run starts (e.g. system.enableActivityEagerExecution=true). */
  temporalConfig: string[];
  /** WORKER_* settings (src/temporal/worker-tuning.ts) for every worker process the run starts. */
  workerEnv: Record<string, string>;
  /** TEMPORAL_PG_* settings for scripts/temporal-postgres.sh in 2 and 5pg (shards, pools). */
  pgEnv: Record<string, string>;
  build: boolean;
  out: string | undefined;
  keepTemp: boolean;
  quick: boolean;
  /** The command line as given, for the report. */
  argv: string[];
}

/** The numbers and the variant ids; `5` is a bare start on each Temporal that runs. */
export const VARIANT_ORDER = [
  'verify-only',
  'insert-baseline',
  'bare-start-sqlite',
  'receiver-sqlite',
  'bare-start-postgres',
  'receiver-postgres',
] as const;
const ALIASES: Record<string, readonly string[]> = {
  '1': ['receiver-sqlite'],
  '2': ['receiver-postgres'],
  '3': ['insert-baseline'],
  '4': ['verify-only'],
  '5': ['bare-start-sqlite', 'bare-start-postgres'],
  '5sqlite': ['bare-start-sqlite'],
  '5pg': ['bare-start-postgres'],
};

function variantList(value: string): string[] {
  const tokens = value
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  const chosen = new Set<string>();
  for (const token of tokens) {
    const ids = ALIASES[token] ?? ((VARIANT_ORDER as readonly string[]).includes(token) ? [token] : undefined);
    if (ids === undefined) throw new InvalidArgumentError(`unknown variant ${token} (1-5, 5sqlite, 5pg, or ${VARIANT_ORDER.join(', ')})`);
    for (const id of ids) chosen.add(id);
  }
  // A bare start on PostgreSQL is the yardstick for 2: with "5" it runs only where 2 runs.
  if (tokens.includes('5') && !tokens.includes('5pg') && !chosen.has('receiver-postgres')) chosen.delete('bare-start-postgres');
  return VARIANT_ORDER.filter((id) => chosen.has(id));
}

/**
 * KEY=value into a map, for settings the harness would otherwise strip from its children. Only
 * names that `key` allows: the bench owns the ports and databases, and a typo should not pass.
 */
function settingPair(key: RegExp, example: string) {
  return (value: string, previous: Record<string, string>): Record<string, string> => {
    const match = /^([^=]+)=(\S+)$/.exec(value);
    if (match?.[1] === undefined || match[2] === undefined || !key.test(match[1]))
      throw new InvalidArgumentError(`KEY=value with KEY ${key.source}, e.g. ${example}`);
    return { ...previous, [match[1]]: match[2] };
  };
}

function wholeNumbers(value: string): number[] {
  const numbers = value.split(',').map((token) => Number(token.trim()));
  if (numbers.length === 0 || numbers.some((number) => !Number.isInteger(number) || number < 1))
    throw new InvalidArgumentError('must be whole numbers ≥ 1, comma-separated');
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function wholeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return number;
}

function seconds(value: string): number {
  const number = Number(value);
  if (!(number >= 0) || !Number.isFinite(number)) throw new InvalidArgumentError('must be a number of seconds');
  return number;
}

function scalingList(value: string): ScalingPoint[] {
  if (value === 'none') return [];
  return value.split(',').map((token) => {
    const match = /^(\d+)x(\d+)$/.exec(token.trim());
    const receivers = Number(match?.[1]);
    const workers = Number(match?.[2]);
    if (match === null || receivers < 1 || workers < 1 || receivers > 8 || workers > 8) {
      throw new InvalidArgumentError(`${token}: receivers x workers, e.g. 2x2 (1 to 8 each), or none`);
    }
    return { receivers, workers };
  });
}

interface Parsed {
  variants: string[];
  rates: number[];
  duration: number;
  connections: number;
  maxInFlight: number;
  scaling: ScalingPoint[] | false;
  eventTypes: string;
  fixturesDir: string;
  warmup: number;
  settle: number;
  catchUp: number;
  checkTimeout: number;
  logLevel: string;
  pgUrl: string;
  pgReset: boolean;
  devDb: 'file' | 'memory';
  temporalConfig: string[];
  workerEnv: Record<string, string>;
  pgEnv: Record<string, string>;
  build: boolean;
  out?: string;
  keepTemp?: true;
  quick?: true;
}

// What --quick changes, unless the option is given too.
const QUICK: Partial<Record<keyof Parsed, Parsed[keyof Parsed]>> = {
  rates: [50, 100],
  duration: 3,
  connections: 8,
  scaling: [
    { receivers: 1, workers: 1 },
    { receivers: 2, workers: 2 },
  ],
  warmup: 1,
  settle: 8,
  checkTimeout: 60,
};

export function parseOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench')
    .description(
      'Side by side, at the same offered loads and with the same signed events: our receiver on the Temporal dev server (1) and on Temporal with PostgreSQL (2), ' +
        'the verify-and-INSERT baseline (3), a verify-only endpoint (4), and bare workflow starts without HTTP (5); then receivers and workers scaled. ' +
        'Writes bench/results/<date>/results.json, report.md and chart.svg. Asserts nothing about time; exits 1 only if an acknowledged event is not in its store exactly once.',
    )
    .option(
      '--variants <list>',
      'which to run: 1,2,3,4,5 (5 = a bare start on each Temporal that runs), 5sqlite, 5pg, or ids',
      variantList,
      variantList('1,2,3,4,5'),
    )
    .option('--rates <list>', 'fixed offered rates, events per second', wholeNumbers, [50, 100, 200, 400])
    .option('--duration <seconds>', 'length of each step', seconds, 10)
    .option('--connections <n>', 'closed-loop maximum: callers each with one event in flight', wholeNumber, 16)
    .option('--max-in-flight <n>', 'fixed rates: outstanding events allowed before sends fall behind schedule', wholeNumber, 256)
    .addOption(
      new Option('--scaling <list>', 'receiver processes x worker processes for the scaling section, or none')
        .argParser(scalingList)
        .default(scalingList('1x1,2x1,1x2,2x2'), '1x1,2x1,1x2,2x2'),
    )
    .option('--no-scaling', 'skip the scaling section')
    .option('--event-types <list>', 'event types sent in turn (fixtures)', DEFAULT_EVENT_TYPES.join(','))
    .addOption(
      new Option('--fixtures-dir <dir>', 'where <event_type>.json templates are')
        .env('OSIGU_FIXTURES_DIR')
        .default(defaultFixturesDir(), '../shared/osigu/events'),
    )
    .option('--warmup <seconds>', 'unmeasured load before each variant (and scaling point)', seconds, 3)
    .option('--settle <seconds>', 'at most this long between steps, waiting for the servers to go quiet', seconds, 30)
    .option(
      '--catch-up <seconds>',
      'a fixed rate is sustained when, this long after its step, no task waits and every event of the step has been handed to its entity',
      seconds,
      30,
    )
    .option('--check-timeout <seconds>', 'how long visibility may take to show every acknowledged event', seconds, 120)
    .option('--log-level <level>', 'LOG_LEVEL of the receiver and the worker (production default: info)', 'info')
    .option(
      '--pg-url <url>',
      'PostgreSQL for baseline 3 (this database, created if missing) and for Temporal in 2 (its own databases)',
      'postgres://postgres@127.0.0.1:5432/osigu_bench',
    )
    .option(
      '--no-pg-reset',
      'keep the bench’s Temporal databases from the last run (default: scripts/temporal-postgres.sh reset empties them)',
    )
    .addOption(
      new Option('--dev-db <kind>', 'the dev server’s SQLite: a file, as npm run dev keeps it, or memory, as the tests run it')
        .choices(['file', 'memory'])
        .default('file'),
    )
    .option(
      '--temporal-config <key=value>',
      'a dynamic-config value for every dev server the run starts (repeatable), e.g. system.enableActivityEagerExecution=true',
      (value: string, previous: string[]) => {
        if (!/^[A-Za-z][\w.]*=\S+$/.test(value)) throw new InvalidArgumentError('KEY=VALUE, e.g. system.enableActivityEagerExecution=true');
        return [...previous, value];
      },
      [] as string[],
    )
    .option(
      '--worker-env <KEY=value>',
      'a WORKER_* setting for every worker process (repeatable), e.g. WORKER_TARGET_CPU_USAGE=0.7 or WORKER_POLLERS=autoscaling',
      settingPair(/^WORKER_[A-Z0-9_]+$/, 'WORKER_POLLERS=autoscaling'),
      {} as Record<string, string>,
    )
    .option(
      '--pg-env <KEY=value>',
      'a TEMPORAL_PG_* setting for Temporal on PostgreSQL (repeatable), e.g. TEMPORAL_PG_HISTORY_SHARDS=8 (applied by the reset), TEMPORAL_PG_MAX_CONNS=40',
      settingPair(/^TEMPORAL_PG_(?!.*(PORT|_DB)$)[A-Z0-9_]+$/, 'TEMPORAL_PG_HISTORY_SHARDS=8'),
      {} as Record<string, string>,
    )
    .option('--no-build', 'use dist/ as it is instead of running npm run build first')
    .option('--out <dir>', 'results directory (default bench/results/<ISO date>)')
    .option('--keep-temp', 'keep the temporary directory (databases, logs)')
    .option('--quick', `a fast smoke run: rates 50,100, 3 s steps, 8 connections, scaling 1x1,2x2`)
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .parse(argv, { from: 'user' });
  const parsed = program.opts<Parsed>();
  if (parsed.quick === true) {
    for (const [key, value] of Object.entries(QUICK) as [keyof Parsed, Parsed[keyof Parsed]][]) {
      if (program.getOptionValueSource(key) === 'default') (parsed as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return {
    variants: parsed.variants,
    rates: parsed.rates,
    durationSeconds: parsed.duration,
    connections: parsed.connections,
    maxInFlight: parsed.maxInFlight,
    scaling: parsed.scaling === false ? [] : parsed.scaling,
    eventTypes: parsed.eventTypes
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== ''),
    fixturesDir: parsed.fixturesDir,
    warmupSeconds: parsed.warmup,
    settleSeconds: parsed.settle,
    catchUpSeconds: parsed.catchUp,
    checkTimeoutSeconds: parsed.checkTimeout,
    logLevel: parsed.logLevel,
    pgUrl: parsed.pgUrl,
    pgReset: parsed.pgReset,
    devDb: parsed.devDb,
    temporalConfig: parsed.temporalConfig,
    workerEnv: parsed.workerEnv,
    pgEnv: parsed.pgEnv,
    build: parsed.build,
    out: parsed.out,
    keepTemp: parsed.keepTemp === true,
    quick: parsed.quick === true,
    argv: [...argv],
  };
}
