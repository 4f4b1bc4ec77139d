import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { FAMILIES, EVENT_TYPES, familyOf, typesMatching, type Family } from '../events/event-types';
import { defaultFixturesDir, loadFixture } from '../events/fixtures';
import { generateEvents, generateStories, type GenerateOptions } from '../events/generate';
import { createRandom, randomSeed } from '../events/random';
import { SimulatorError } from '../events/simulator-error';
import { DEFAULT_TIMEOUT_MS } from '../delivery/attempt';
import type { RetryPolicy } from '../delivery/deliver';
import type { Faults } from '../delivery/faults';
import { fromBytes, fromEvent } from '../delivery/outgoing-event';
import { createProgress, reportProgress } from '../delivery/progress';
import { deliveryLog, exitCodeOf, formatReport, summarize } from '../delivery/report';
import { OSIGU_RETRY_DELAYS_SECONDS, type RetrySchedule } from '../delivery/retry-schedule';
import { DEFAULT_CONCURRENCY, runDeliveries, type Lane, type RunOptions, type RunResult } from '../delivery/run';
import { scenarioLanes } from '../scenarios/scenario-lanes';
import { loadScenario, scenarioNames } from '../scenarios/scenario';

interface SendOptions {
  url: string;
  secret?: string;
  fixture?: string[];
  file?: string[];
  generate?: number;
  stories?: number;
  types?: string;
  scenario?: string;
  fixturesDir?: string;
  freshIds?: boolean;
  seed?: number;
  environment: string;
  wrongSecret?: boolean;
  staleTimestamp?: boolean;
  truncateBody?: boolean;
  alterBody?: boolean;
  duplicates: number;
  concurrentDuplicates?: boolean;
  shuffle?: boolean;
  timeoutMs: number;
  timeScale: number;
  horizonHours: number;
  jitter: number;
  retryOn: RetryPolicy;
  concurrency: number;
  json?: boolean;
  quiet?: boolean;
}

const SOURCES = ['fixture', 'file', 'generate', 'stories', 'scenario'] as const;

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description("deliver signed events to a webhook receiver exactly as Osigu does, retrying on Osigu's schedule")
    .option('--url <url>', 'the receiver endpoint', 'http://127.0.0.1:3000/osigu/webhooks')
    .option('--secret <secret>', 'signing secret, several comma-separated during a rotation (default: $OSIGU_WEBHOOK_SECRET)')
    .optionsGroup('Events (exactly one source):')
    .option('--fixture <type>', 'send the shared fixture of this event type (repeatable, sent in order)', collect)
    .option('--file <path.json>', "send this file's bytes untouched (repeatable, sent in order)", collect)
    .option('--generate <n>', 'send n generated events, each of a random type', integer(1))
    .option('--stories <n>', "send n generated stories, each one resource's events in order", integer(1))
    .option('--scenario <name|path>', `run a scenario: ${safeScenarioNames()}, or a path to one`)
    .option('--types <glob>', 'with --generate or --stories: only these types, as an Osigu pattern (e.g. "authorization.*")')
    .option('--fixtures-dir <dir>', 'where fixtures are read (default: $OSIGU_FIXTURES_DIR or ../shared/osigu/events)')
    .option(
      '--fresh-ids',
      'with --fixture or --scenario: give fixture events new event ids, so a second run is not a redelivery of the first',
    )
    .option(
      '--seed <n>',
      'seed for generated events, shuffling and jitter (default: random, printed in the report)',
      integer(0, 0xffff_ffff),
    )
    .option('--environment <env>', 'environment of generated events (fixtures and files keep theirs)', 'sandbox')
    .optionsGroup('Faults:')
    .option('--wrong-secret', 'sign with a secret the receiver does not have')
    .option('--stale-timestamp', 'sign with a timestamp 600 s in the past')
    .option('--truncate-body', 'sign the whole body, send half of it')
    .option('--alter-body', 'flip one bit of the body after signing')
    .option('--duplicates <n>', 'send every event n more times with the same event id', integer(0), 0)
    .option('--concurrent-duplicates', 'send the copies of an event at the same moment')
    .option('--shuffle', 'shuffle the order within each story or scenario (seeded)')
    .optionsGroup('Delivery:')
    .option('--timeout-ms <ms>', 'timeout of one attempt', integer(1), DEFAULT_TIMEOUT_MS)
    .option('--time-scale <x>', 'run the retry schedule x times faster (3600: one hour of schedule per second)', positiveNumber, 1)
    .option('--horizon-hours <h>', 'give up on an event this long after its first attempt', nonNegativeNumber, 72)
    .option('--jitter <fraction>', 'vary each retry gap by up to ± this fraction (seeded)', fraction, 0)
    .option('--retry-on <policy>', 'retry every non-2xx (non-2xx), or only 5xx, timeouts and network errors (5xx)', retryPolicy, 'non-2xx')
    .option('--concurrency <n>', 'requests in flight at most', integer(1), DEFAULT_CONCURRENCY)
    .optionsGroup('Output:')
    .option('--json', 'print the report as JSON, with every attempt of every delivery')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText(
      'after',
      [
        '',
        `Retries: after a failure, again ${OSIGU_RETRY_DELAYS_SECONDS.map((s) => (s < 3600 ? `${s / 60} min` : `${s / 3600} h`)).join(', ')}, then every 4 h until the horizon.`,
        'Exit status: 0 when every event was acknowledged, 1 when one was abandoned or refused, 2 on a usage error.',
        '',
        'Examples:',
        '  npm run osigu -- send --fixture authorization.created --fresh-ids',
        '  npm run osigu -- send --stories 50 --duplicates 1 --concurrent-duplicates --shuffle --time-scale 3600',
        "  npm run osigu -- send --generate 200 --types 'dispensing.*' --json --quiet",
        '  npm run osigu -- send --scenario out-of-order --fresh-ids',
      ].join('\n'),
    )
    .action(async (options: SendOptions, command: Command) => {
      try {
        process.exitCode = await send(options);
      } catch (error) {
        if (!(error instanceof SimulatorError)) throw error;
        command.error(`osigu send: ${error.message}`, { code: `osigu.${error.code}`, exitCode: 2 });
      }
    });
}

async function send(options: SendOptions): Promise<number> {
  const chosen = SOURCES.filter((source) => options[source] !== undefined);
  if (chosen.length !== 1) {
    const flags = (sources: readonly string[]) => sources.map((source) => `--${source}`).join(', ');
    const got = chosen.length > 1 ? ` (got ${flags(chosen)})` : '';
    throw new SimulatorError('source_required', `give exactly one of ${flags(SOURCES)}${got}`);
  }
  if (options.freshIds && options.fixture === undefined && options.scenario === undefined) {
    // Files go out byte for byte and generated ids are new for every seed: there is nothing to renew.
    throw new SimulatorError('fresh_ids_not_applicable', '--fresh-ids goes with --fixture or --scenario');
  }
  if (options.types !== undefined && options.generate === undefined && options.stories === undefined) {
    throw new SimulatorError('types_without_generate', '--types goes with --generate or --stories');
  }
  if (!isHttpUrl(options.url)) throw new SimulatorError('invalid_url', '--url must be an http:// or https:// URL');
  const secrets = (options.secret ?? process.env.OSIGU_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (secrets.length === 0) throw new SimulatorError('secret_required', 'a signing secret is required: --secret or OSIGU_WEBHOOK_SECRET');

  const seed = options.seed ?? randomSeed();
  const lanes = buildLanes(options, seed);
  const schedule: RetrySchedule = {
    delaysSeconds: OSIGU_RETRY_DELAYS_SECONDS,
    horizonSeconds: options.horizonHours * 3600,
    jitter: options.jitter,
  };
  const faults: Faults = {
    ...(options.wrongSecret && { wrongSecret: true }),
    ...(options.staleTimestamp && { staleTimestamp: true }),
    ...(options.truncateBody && { truncateBody: true }),
    ...(options.alterBody && { alterBody: true }),
  };
  const progress = createProgress();
  const run: RunOptions = {
    url: options.url,
    secrets,
    seed,
    schedule,
    timeScale: options.timeScale,
    timeoutMs: options.timeoutMs,
    retryOn: options.retryOn,
    faults,
    duplicates: options.duplicates,
    concurrentDuplicates: options.concurrentDuplicates ?? false,
    shuffle: options.shuffle ?? false,
    concurrency: options.concurrency,
    progress,
  };

  const say = (line: string) => {
    if (!options.quiet) process.stderr.write(line);
  };
  const events = lanes.reduce((total, lane) => total + lane.length, 0);
  say(`osigu send: ${events} events to ${redactedUrl(options.url)} (seed ${seed})\n`);
  const stopProgress = options.quiet ? () => undefined : reportProgress(progress, say);
  let result: RunResult;
  try {
    result = await runDeliveries(lanes, run);
  } finally {
    stopProgress();
  }

  const report = summarize(result);
  process.stdout.write(options.json ? `${JSON.stringify({ ...report, records: deliveryLog(result) }, null, 2)}\n` : formatReport(report));
  return exitCodeOf(report);
}

function buildLanes(options: SendOptions, seed: number): Lane[] {
  const random = createRandom(seed);
  const generate: GenerateOptions = { environment: options.environment };
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir();

  if (options.fixture !== undefined) {
    // Given in order, the fixtures are one story (they share ids): one lane.
    return [
      options.fixture.map((type) => {
        const fixture = loadFixture(type, { dir: fixturesDir, freshId: options.freshIds ?? false });
        return { event: { eventId: fixture.event.event_id, eventType: fixture.event.event_type, body: fixture.bytes } };
      }),
    ];
  }
  if (options.file !== undefined) {
    return [options.file.map((file) => ({ event: fromBytes(readFile(file), path.basename(file)) }))];
  }
  if (options.generate !== undefined) {
    const types = options.types === undefined ? EVENT_TYPES : typesMatching(options.types);
    return generateEvents(random, options.generate, { ...generate, types }).map((event) => [{ event: fromEvent(event) }]);
  }
  if (options.stories !== undefined) {
    const families: Family[] = options.types === undefined ? FAMILIES : [...new Set(typesMatching(options.types).map(familyOf))];
    return generateStories(random, options.stories, { ...generate, families }).map((story) =>
      story.map((event) => ({ event: fromEvent(event) })),
    );
  }
  return scenarioLanes(loadScenario(options.scenario ?? ''), { random, fixturesDir, freshIds: options.freshIds ?? false, generate });
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new SimulatorError('file_unreadable', `cannot read ${file}`);
  }
}

/** Only origin and path are shown: credentials (user:pass@) or a token in the query must not reach a terminal or a CI log. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`;
  } catch {
    return '(invalid url)';
  }
}

function isHttpUrl(url: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function safeScenarioNames(): string {
  try {
    return scenarioNames().join(', ');
  } catch {
    return 'a name from simulator/scenarios';
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
    }
    return parsed;
  };
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('a number above 0');
  return parsed;
}

function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('a number of 0 or more');
  return parsed;
}

function fraction(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !(parsed >= 0 && parsed < 1)) throw new InvalidArgumentError('a fraction from 0 up to (not including) 1');
  return parsed;
}

function retryPolicy(value: string): RetryPolicy {
  if (value !== 'non-2xx' && value !== '5xx') throw new InvalidArgumentError('non-2xx or 5xx');
  return value;
}
