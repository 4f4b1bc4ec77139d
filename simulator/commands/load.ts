import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { signatureHeader } from '../../src/osigu/signature';
import { DEV_WEBHOOK_SECRET } from '../../scripts/dev-keys';
import { defaultFixturesDir, findFixture, type Fixture } from '../events/fixtures';
import { SimulatorError } from '../events/simulator-error';

/*
 * Load mode: many distinct, correctly signed events against a receiver, through autocannon (HDR
 * latency percentiles, a fixed overall rate, a count or a duration, connections as the bound on
 * concurrency). Each request is set up on the spot with a fresh event_id and a fresh signature,
 * so the receiver starts one workflow per request, as it would under real traffic.
 */

export interface LoadOptions {
  /** The receiver's webhook endpoint. */
  url: string;
  /** Signing secrets; several give one `v1` each. */
  secrets: string | readonly string[];
  /** Sent in turn; each must have a fixture (authorization.created has a built-in template). */
  eventTypes?: readonly string[];
  fixturesDir?: string;
  /** Events per second over all connections; absent: as fast as the receiver answers. */
  rate?: number;
  /** Exactly this many events; otherwise `durationSeconds` (default 10). */
  count?: number;
  durationSeconds?: number;
  /** Concurrency bound: one request in flight per connection. Default 10. */
  connections?: number;
  /** A request without an answer by then counts as a timeout (Osigu waits 10 s). */
  timeoutSeconds?: number;
  /** Gets a progress line once a second (stderr in the CLI); silent when absent. */
  progress?: (line: string) => void;
  /** Ends the run early (Ctrl-C); the report covers what was sent until then. */
  signal?: AbortSignal;
}

export interface LoadReport {
  /** Origin and path only: a query string could carry a credential. */
  target: string;
  eventTypes: string[];
  /** Every event_id of this run starts with it: `WorkflowId STARTS_WITH '<prefix>'` in Temporal. */
  eventIdPrefix: string;
  durationSeconds: number;
  connections: number;
  /** Requests attempted, each a distinct event; with the receiver down, every reconnect is one. */
  sent: number;
  /** Requests that got an HTTP answer, whatever its status. */
  answered: number;
  throughput: { answeredPerSecond: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number; byCode: Record<string, number> };
  /** Connection errors (refused, reset), timeouts not included. */
  errors: number;
  timeouts: number;
  /** Events the receiver answered 2xx to: each must exist in Temporal exactly once. */
  acknowledged: { count: number; eventIds: string[] };
}

type EventTemplate = Record<string, unknown> & { event_type: string; data: Record<string, unknown> };

// So that load mode works without the shared fixtures; the shape of the authorization.created fixture.
const BUILT_IN_AUTHORIZATION_CREATED: EventTemplate = {
  event_id: 'evt_template',
  event_type: 'authorization.created',
  created_at: '2026-01-01T00:00:00.000Z',
  api_version: '2026-01-01',
  environment: 'sandbox',
  data: {
    authorization_id: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N',
    authorization_code: 'AUTH-2026-001234',
    authorization_request_id: 'areq_01JA1Z2Y3X4W5V6T7S8R9Q0P1N',
    beneficiary_id: 'bnf_01HW8GQ2KMNP3F4R5T6Y7U8V9W',
    sponsor_slug: 'sponsor-sandbox',
    product_type: 'MEDICATION',
    products: [{ product_code: 'MED-042', quantity: 30, posology: '1c/8h' }],
    expires_at: '2026-12-25T00:00:00Z',
    sponsor_reference: 'SPX-2026-999',
    additional_data: {},
  },
  provider: { provider_id: 'prv_01J9Z8Y7X6W5V4T3S2R1Q0P9N8', provider_slug: 'clinic-example' },
};

export class LoadError extends Error {
  override readonly name = 'LoadError';
  constructor(
    readonly code: 'invalid_option' | 'fixture_missing' | 'fixture_invalid',
    message: string,
  ) {
    super(message);
  }
}

function loadTemplate(eventType: string, fixturesDir: string): EventTemplate {
  // The type becomes a file name: keep it to `family.action`.
  if (!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(eventType)) throw new LoadError('invalid_option', `not an event type: ${eventType}`);
  let fixture: Fixture | undefined;
  try {
    fixture = findFixture(eventType, { dir: fixturesDir });
  } catch (error) {
    if (error instanceof SimulatorError) throw new LoadError('fixture_invalid', error.message);
    throw error;
  }
  if (fixture === undefined) {
    if (eventType === BUILT_IN_AUTHORIZATION_CREATED.event_type) return BUILT_IN_AUTHORIZATION_CREATED;
    throw new LoadError('fixture_missing', `no fixture for ${eventType} in ${fixturesDir} (--fixtures-dir, OSIGU_FIXTURES_DIR)`);
  }
  const template = fixture.event as Partial<EventTemplate>;
  if (typeof template.data !== 'object' || template.data === null || template.event_type !== eventType) {
    throw new LoadError('fixture_invalid', `${fixture.path} is not an ${eventType} event`);
  }
  return template as EventTemplate;
}

// Each event gets its own resources too, so per-resource work downstream is spread as in real traffic.
const RESOURCE_ID_FIELDS = ['authorization_id', 'authorization_request_id', 'dispensation_id', 'prescription_id', 'settlement_id'];

function withFreshResourceIds(data: Record<string, unknown>, suffix: string): Record<string, unknown> {
  const fresh = { ...data };
  for (const field of RESOURCE_ID_FIELDS) {
    const value = fresh[field];
    if (typeof value === 'string' && value.includes('_')) fresh[field] = `${value.slice(0, value.indexOf('_'))}_${suffix}`;
  }
  return fresh;
}

function positiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1))
    throw new LoadError('invalid_option', `${name} must be a whole number ≥ 1`);
}

interface EventContext {
  eventId?: string;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  positiveInteger(options.rate, 'rate');
  positiveInteger(options.count, 'count');
  positiveInteger(options.connections, 'connections');
  if (options.durationSeconds !== undefined && !(options.durationSeconds > 0))
    throw new LoadError('invalid_option', 'duration must be positive');
  const target = new URL(options.url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new LoadError('invalid_option', 'the URL must be http:// or https://');

  const eventTypes = [...(options.eventTypes ?? ['authorization.created'])];
  if (eventTypes.length === 0) throw new LoadError('invalid_option', 'at least one event type');
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir();
  const templates = eventTypes.map((eventType) => loadTemplate(eventType, fixturesDir));

  const runTag = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
  const eventIdPrefix = `evt_load_${runTag}_`;
  // One request in flight per connection: more would not fit in the count.
  const connections = Math.min(options.connections ?? 10, options.count ?? Number.POSITIVE_INFINITY);

  let sent = 0;
  let answered = 0;
  let acknowledgedCount = 0;
  const acknowledged: string[] = [];

  const nextEvent = (): { eventId: string; body: Buffer } => {
    sent += 1;
    const template = templates[(sent - 1) % templates.length] as EventTemplate;
    const eventId = `${eventIdPrefix}${sent}`;
    const event = {
      ...template,
      event_id: eventId,
      created_at: new Date().toISOString(),
      data: withFreshResourceIds(template.data, `load_${runTag}_${sent}`),
    };
    return { eventId, body: Buffer.from(JSON.stringify(event), 'utf8') };
  };

  const started = Date.now();
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.href,
        method: 'POST',
        connections,
        // A response then always belongs to the last request set up on its connection.
        pipelining: 1,
        timeout: options.timeoutSeconds ?? 10,
        ...(options.count === undefined ? { duration: options.durationSeconds ?? 10 } : { amount: options.count }),
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        requests: [
          {
            method: 'POST',
            path: `${target.pathname}${target.search}`,
            setupRequest: (request, context) => {
              const { eventId, body } = nextEvent();
              (context as EventContext).eventId = eventId;
              const timestamp = Math.floor(Date.now() / 1000);
              return {
                ...request,
                body,
                headers: {
                  ...request.headers,
                  'content-type': 'application/json',
                  'user-agent': 'osigu-simulator-load',
                  'x-osigu-signature': signatureHeader(body, { secrets: options.secrets, timestamp }),
                },
              };
            },
            onResponse: (status, _body, context) => {
              answered += 1;
              const { eventId } = context as EventContext;
              if (status >= 200 && status < 300 && eventId !== undefined) {
                acknowledgedCount += 1;
                acknowledged.push(eventId);
              }
            },
          },
        ],
      },
      (error: unknown, finished: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
        else resolve(finished);
      },
    );
    instance.on('reqError', () => {
      errors += 1;
    });
    const { progress, signal } = options;
    if (progress !== undefined) {
      let previous = '';
      instance.on('tick', () => {
        const seconds = Math.round((Date.now() - started) / 1000);
        const line = `load: ${seconds} s  sent ${sent}  answered ${answered}  2xx ${acknowledgedCount}  errors ${errors}\n`;
        // autocannon ticks once more when it stops; the same line twice says nothing new.
        if (line !== previous) progress(line);
        previous = line;
      });
    }
    // Stopping early still reports what was sent and acknowledged so far.
    signal?.addEventListener('abort', () => instance.stop(), { once: true });
  });
  return {
    target: `${target.origin}${target.pathname}`,
    eventTypes,
    eventIdPrefix,
    durationSeconds: result.duration,
    connections,
    sent,
    answered,
    throughput: { answeredPerSecond: result.duration > 0 ? Math.round((answered / result.duration) * 10) / 10 : 0 },
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    status: {
      '2xx': result['2xx'],
      '3xx': result['3xx'],
      '4xx': result['4xx'],
      '5xx': result['5xx'],
      byCode: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count ?? 0])),
    },
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    acknowledged: { count: acknowledgedCount, eventIds: acknowledged },
  };
}

export function formatLoadReport(report: LoadReport): string {
  const codes = Object.entries(report.status.byCode)
    .map(([code, count]) => `${code} ×${count}`)
    .join('  ');
  const { latencyMs: l } = report;
  return [
    `load: ${report.sent} events (${report.eventTypes.join(', ')}) to ${report.target}`,
    `  ${report.durationSeconds} s, ${report.connections} connections, ${report.throughput.answeredPerSecond} answers/s`,
    `  latency ms   p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}`,
    `  status       2xx ${report.status['2xx']}  4xx ${report.status['4xx']}  5xx ${report.status['5xx']}   ${codes || 'no answers'}`,
    `  errors ${report.errors}  timeouts ${report.timeouts}  unanswered ${report.sent - report.answered}`,
    `  acknowledged ${report.acknowledged.count} events; in Temporal: WorkflowId STARTS_WITH '${report.eventIdPrefix}'`,
    '',
  ].join('\n');
}

function wholeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return number;
}

function positiveSeconds(value: string): number {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) throw new InvalidArgumentError('must be a positive number of seconds');
  return number;
}

interface LoadCommandOptions {
  url: string;
  secret: string;
  eventTypes: string;
  fixturesDir?: string;
  rate?: number;
  duration?: number;
  count?: number;
  connections: number;
  timeout: number;
  json?: true;
  idsFile?: string;
}

export function registerLoadCommand(program: Command): void {
  program
    .command('load')
    .description('send many distinct signed events to a receiver and report throughput, latency and statuses')
    .option('--url <url>', "the receiver's webhook endpoint", 'http://127.0.0.1:3000/osigu/webhooks')
    .addOption(
      new Option('--secret <secret>', 'signing secret, comma-separated for several')
        .env('OSIGU_WEBHOOK_SECRET')
        .default(DEV_WEBHOOK_SECRET, 'the development secret'),
    )
    .option('--event-types <types>', 'comma-separated event types, sent in turn', 'authorization.created')
    .addOption(new Option('--fixtures-dir <dir>', 'where <event_type>.json templates are').env('OSIGU_FIXTURES_DIR'))
    .option('--rate <n>', 'events per second over all connections (default: as fast as possible)', wholeNumber)
    .addOption(new Option('--duration <seconds>', 'how long to send (default 10)').argParser(positiveSeconds).conflicts('count'))
    .option('--count <n>', 'send exactly this many events', wholeNumber)
    .option('--connections <n>', 'concurrent connections, one request in flight each', wholeNumber, 10)
    .option('--timeout <seconds>', 'a request unanswered by then is a timeout', positiveSeconds, 10)
    .option('--json', 'print the report as JSON, with every acknowledged event_id')
    .option('--ids-file <path>', 'write the acknowledged event_ids there, one per line')
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts<LoadCommandOptions>();
      const output = command.configureOutput();
      const stop = new AbortController();
      const onInterrupt = (): void => stop.abort();
      process.once('SIGINT', onInterrupt);
      let report: LoadReport;
      try {
        report = await runLoad({
          url: options.url,
          secrets: options.secret.split(',').filter((secret) => secret !== ''),
          eventTypes: options.eventTypes
            .split(',')
            .map((type) => type.trim())
            .filter((type) => type !== ''),
          ...(options.fixturesDir === undefined ? {} : { fixturesDir: options.fixturesDir }),
          ...(options.rate === undefined ? {} : { rate: options.rate }),
          ...(options.count === undefined ? {} : { count: options.count }),
          ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
          connections: options.connections,
          timeoutSeconds: options.timeout,
          progress: (line) => output.writeErr?.(line),
          signal: stop.signal,
        });
      } catch (error) {
        if (error instanceof LoadError) command.error(`load: ${error.message}`, { exitCode: 2, code: `load.${error.code}` });
        throw error;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
      if (options.idsFile !== undefined) writeFileSync(options.idsFile, report.acknowledged.eventIds.map((id) => `${id}\n`).join(''));
      output.writeOut?.(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatLoadReport(report));
      if (report.answered === 0) {
        command.error(`load: no request was answered; is the receiver listening at ${report.target}?`, {
          exitCode: 1,
          code: 'load.no_answers',
        });
      }
    });
}
