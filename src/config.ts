import { isIPv4, isIPv6 } from 'node:net';
import bytes from 'bytes';
import type { Duration } from '@temporalio/common';
// Temporal's own Duration parser (the `ms` format), so settings read like activity options do.
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { DEFAULT_ENTITY_SETTINGS, type EntitySettings } from './domain/settings';
import type { WorkerVersion } from './temporal/worker-versioning';
import type { WorkerPollers, WorkerSlots, WorkerTuning } from './temporal/worker-tuning';
import { parseTrustedProxies, type TrustedProxies } from './http/client-address';
import { DEV_RESOURCE_ID_HASH_KEY } from './osigu/id-key';

/** A setting that is missing or invalid; the process entry points print it and exit. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`${setting}: ${reason}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ReceiverConfig {
  /** Every secret that may have signed a delivery: more than one while a rotation overlaps. */
  webhookSecrets: readonly string[];
  host: string | undefined;
  port: number;
  webhookPath: string;
  taskQueue: string;
  bodyLimitBytes: number;
  signatureToleranceSeconds: number;
  /** How long a workflow start may take before we answer 503 (Osigu gives up after 10 s). */
  startTimeoutMs: number;
  /** Node's own timeouts against slow clients: the whole request, and its headers. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  tls: { certFile: string; keyFile: string } | undefined;
  logLevel: LogLevel;
  /** Osigu environment served; events from the other one are acknowledged and recorded only. */
  osiguEnvironment: OsiguEnvironment;
  /** GET /metrics on the receiver's port (Prometheus text). */
  metricsEnabled: boolean;
  /** Load shedding: verified deliveries at once, and workflow starts at once; beyond, 503 overloaded. */
  maxInFlight: number;
  maxConcurrentStarts: number;
  /** Bodies being read at once (before the signature can be verified), in all and per client address. */
  maxBodyReads: number;
  maxBodyReadsPerAddress: number;
  /** How long a body may take once its headers are in. */
  bodyTimeoutMs: number;
  /** Proxies whose X-Forwarded-For is believed for the client address; undefined: none. */
  trustedProxies: TrustedProxies | undefined;
  /** Open connections at most (Node's server.maxConnections); more are closed on arrival. */
  maxConnections: number;
  /** The key for PHI-safe resource and event ids (see src/osigu/id-key.ts). */
  idHashKey: string;
}

export interface WorkerConfig {
  osiguEnvironment: OsiguEnvironment;
  /** The same key as the receiver's: ids taken from `data` in activities are keyed alike. */
  idHashKey: string;
  taskQueue: string;
  /**
   * The entities' own queue: their workflow tasks get their own worker slots, so event workflows
   * waiting on a hand-off (a local activity holds its workflow task open) can never take every slot
   * the entity needs to answer it.
   */
  entityTaskQueue: string;
  logLevel: LogLevel;
  settings: EntitySettings;
  /** Osigu's API, for lookups; unset leaves reconciliation to what the events said. */
  osiguApi: { baseUrl: string; clientId: string; clientSecret: string } | undefined;
  /** The provider's internal URL for outcomes; unset records them in Temporal only. */
  providerWebhook: { url: string; secret: string | undefined } | undefined;
  /** ip:port where the Temporal SDK serves its Prometheus metrics; undefined: not served. */
  metricsAddress: string | undefined;
  /** Worker Versioning's deployment and build (src/temporal/worker-versioning.ts); undefined: off. */
  version: WorkerVersion | undefined;
  /** Slots, pollers and cache (src/temporal/worker-tuning.ts); every WORKER_* unset: the SDK's defaults. */
  tuning: WorkerTuning;
}

export const OSIGU_ENVIRONMENTS = ['sandbox', 'production'] as const;
export type OsiguEnvironment = (typeof OSIGU_ENVIRONMENTS)[number];

/**
 * Secrets that are published (the README's development secret): a receiver in production with
 * one of them accepts events forged by anyone who read the README.
 */
export const DEV_WEBHOOK_SECRET = 'whsec_dev_only_not_a_secret';
const KNOWN_DEV_SECRETS: readonly string[] = [DEV_WEBHOOK_SECRET];
/** Below this, a piece of the secret list is a typo or half of a secret split at a comma. */
export const MIN_SECRET_BYTES = 16;
/** Standard Webhooks asks for at least 24 random bytes; production holds to it. */
export const MIN_PRODUCTION_SECRET_BYTES = 24;
/**
 * Temporal refuses a payload over 2 MiB. The event is stored re-encoded as JSON, which can be
 * larger than the bytes received (`1e21` becomes `1e+21`: up to a quarter more), then encrypted
 * (a few dozen bytes). 1.5 MiB leaves that room; above it an event would be answered 503 on
 * every retry for 72 h and then be lost.
 */
export const MAX_BODY_LIMIT_BYTES = 1.5 * 1024 * 1024;
/** The only value that lets a production process store PHI in clear: it has to be typed on purpose. */
export const PAYLOAD_ENCRYPTION_OPT_OUT = 'PAYLOAD_ENCRYPTION_OPT_OUT';
export const PAYLOAD_ENCRYPTION_OPT_OUT_VALUE = 'store-phi-in-clear';

const DEFAULT_TASK_QUEUE = 'osigu-webhooks';

// Each schema is applied to one variable so that an error always names the setting it is about.
export const integer = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const byteSize = z
  .string()
  .trim()
  .transform((value, ctx) => {
    // `bytes` would read "1m" as 1 byte (its parseInt fallback): give it only what it reads right.
    const parsed = /^\d+$/.test(value) ? Number(value) : /^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i.test(value) ? bytes.parse(value) : null;
    if (parsed === null || !Number.isSafeInteger(parsed) || parsed < 1) {
      ctx.addIssue({ code: 'custom', message: 'must be a size such as 1048576, 512kb or 1mb' });
      return z.NEVER;
    }
    if (parsed > MAX_BODY_LIMIT_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_BODY_LIMIT_BYTES} bytes (1.5mb): Temporal refuses payloads over 2 MiB, and the event is stored re-encoded and encrypted, which can make it up to a quarter larger`,
      });
      return z.NEVER;
    }
    return parsed;
  });

const utf8Bytes = (value: string): number => new TextEncoder().encode(value).length;

/** Comma-separated; a piece that is empty or short stops the start, so a secret with a comma in it fails loudly. */
const secretList = z
  .string()
  .transform((value) => value.split(',').map((secret) => secret.trim()))
  .refine((secrets) => secrets.every((secret) => secret.length > 0), {
    message: 'must be one secret, or several separated by commas, none of them empty',
  })
  .refine((secrets) => secrets.every((secret) => utf8Bytes(secret) >= MIN_SECRET_BYTES), {
    message: `every secret in the list must be at least ${MIN_SECRET_BYTES} bytes (a secret cannot contain a comma: the list is split there)`,
  });

const urlPath = z
  .string()
  .trim()
  .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must be a path such as /osigu/webhooks');

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const duration = z
  .string()
  .trim()
  .transform((value, ctx) => {
    // "90s", "2h", "30d"; a bare number is milliseconds.
    let parsed: number;
    try {
      parsed = /^\d+$/.test(value) ? Number(value) : msToNumber(value as Duration);
    } catch {
      parsed = Number.NaN;
    }
    if (!Number.isSafeInteger(parsed) || parsed < 1) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 2h or 30d' });
      return z.NEVER;
    }
    return parsed;
  });

const httpUrl = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), 'must be an http(s) URL');

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value), 'must be true or false')
  .transform((value) => ['true', '1', 'yes'].includes(value));

// The SDK's Rust core binds it: an IP literal and a port, no host name.
const socketAddress = z
  .string()
  .trim()
  .refine((value) => {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
    if (match === null || Number(match[3]) > 65_535) return false;
    return match[1] !== undefined ? isIPv6(match[1]) : isIPv4(match[2] ?? '');
  }, 'must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464');

export const logLevel = z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` });

/** One setting through its schema; the error names the setting. Shared by every process's settings. */
export function read<T>(env: Env, name: string, schema: z.ZodType<T, string>, fallback?: string): T {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : raw;
  if (value === undefined) throw new ConfigError(name, 'is required');
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(name, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
}

const osiguEnvironment = z.enum(OSIGU_ENVIRONMENTS, { message: 'must be sandbox or production' });

/** Required: a production receiver that assumed sandbox would acknowledge every event and drop it. */
function readEnvironment(env: Env): OsiguEnvironment {
  const raw = env.OSIGU_ENVIRONMENT;
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigError(
      'OSIGU_ENVIRONMENT',
      'is required: sandbox or production, the Osigu environment whose events this deployment processes',
    );
  }
  return read(env, 'OSIGU_ENVIRONMENT', osiguEnvironment);
}

/** RESOURCE_ID_HASH_KEY: a documented development default outside production, a real key in it. */
function readIdHashKey(env: Env, environment: OsiguEnvironment): string {
  const key = readOptional(env, 'RESOURCE_ID_HASH_KEY');
  if (environment !== 'production') return key ?? DEV_RESOURCE_ID_HASH_KEY;
  if (key === undefined)
    throw new ConfigError('RESOURCE_ID_HASH_KEY', 'is required when OSIGU_ENVIRONMENT=production (e.g. openssl rand -base64 32)');
  if (key === DEV_RESOURCE_ID_HASH_KEY)
    throw new ConfigError('RESOURCE_ID_HASH_KEY', 'is the published development key; production needs its own');
  if (utf8Bytes(key) < 32) throw new ConfigError('RESOURCE_ID_HASH_KEY', 'must be at least 32 bytes in production');
  return key;
}

/** Production stores PHI encrypted, unless an operator has typed the opt-out on purpose. */
function requireEncryptionInProduction(env: Env, environment: OsiguEnvironment): void {
  if (environment !== 'production') return;
  const keys = env.PAYLOAD_ENCRYPTION_KEYS?.trim() ?? '';
  const optOut = env[PAYLOAD_ENCRYPTION_OPT_OUT]?.trim();
  if (optOut !== undefined && optOut !== '' && optOut !== PAYLOAD_ENCRYPTION_OPT_OUT_VALUE) {
    throw new ConfigError(PAYLOAD_ENCRYPTION_OPT_OUT, `must be exactly ${PAYLOAD_ENCRYPTION_OPT_OUT_VALUE} when set`);
  }
  if (keys === '' && optOut !== PAYLOAD_ENCRYPTION_OPT_OUT_VALUE) {
    throw new ConfigError(
      'PAYLOAD_ENCRYPTION_KEYS',
      `is required when OSIGU_ENVIRONMENT=production (event data is PHI); to store it in clear anyway, set ${PAYLOAD_ENCRYPTION_OPT_OUT}=${PAYLOAD_ENCRYPTION_OPT_OUT_VALUE}`,
    );
  }
}

function requireHttpsInProduction(name: string, url: string, environment: OsiguEnvironment): void {
  if (environment === 'production' && !url.startsWith('https://')) {
    throw new ConfigError(
      name,
      'must be an https:// URL when OSIGU_ENVIRONMENT=production (secrets and PHI-adjacent details travel on it)',
    );
  }
}

export function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function loadReceiverConfig(env: Env = process.env): ReceiverConfig {
  const certFile = readOptional(env, 'TLS_CERT_FILE');
  const keyFile = readOptional(env, 'TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(certFile === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE', 'is required when the other TLS file is set');
  }
  const startTimeoutMs = read(env, 'TEMPORAL_START_TIMEOUT_MS', integer(100, 9_000), '5000');
  const requestTimeoutMs = read(env, 'REQUEST_TIMEOUT_MS', integer(1_000, 120_000), '15000');
  const headersTimeoutMs = read(env, 'HEADERS_TIMEOUT_MS', integer(1_000, 120_000), '10000');
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', 'must not exceed REQUEST_TIMEOUT_MS');
  }
  const bodyTimeoutMs = read(env, 'BODY_TIMEOUT_MS', integer(100, 120_000), String(Math.min(3_000, requestTimeoutMs)));
  if (bodyTimeoutMs > requestTimeoutMs) throw new ConfigError('BODY_TIMEOUT_MS', 'must not exceed REQUEST_TIMEOUT_MS');
  const environment = readEnvironment(env);
  const webhookSecrets = read(env, 'OSIGU_WEBHOOK_SECRET', secretList);
  if (environment === 'production') {
    if (webhookSecrets.some((secret) => KNOWN_DEV_SECRETS.includes(secret))) {
      throw new ConfigError('OSIGU_WEBHOOK_SECRET', 'is the published development secret; refused when OSIGU_ENVIRONMENT=production');
    }
    if (webhookSecrets.some((secret) => utf8Bytes(secret) < MIN_PRODUCTION_SECRET_BYTES)) {
      throw new ConfigError(
        'OSIGU_WEBHOOK_SECRET',
        `every secret must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes when OSIGU_ENVIRONMENT=production`,
      );
    }
  }
  requireEncryptionInProduction(env, environment);
  const maxBodyReads = read(env, 'MAX_BODY_READS', integer(1, 100_000), '256');
  const maxBodyReadsPerAddress = read(env, 'MAX_BODY_READS_PER_ADDRESS', integer(1, 100_000), String(Math.min(32, maxBodyReads)));
  if (maxBodyReadsPerAddress > maxBodyReads) throw new ConfigError('MAX_BODY_READS_PER_ADDRESS', 'must not exceed MAX_BODY_READS');
  const proxies = readOptional(env, 'TRUSTED_PROXIES');
  let trustedProxies: TrustedProxies | undefined;
  try {
    trustedProxies = proxies === undefined ? undefined : parseTrustedProxies(proxies);
  } catch (error) {
    throw new ConfigError('TRUSTED_PROXIES', `must be IP addresses or CIDR ranges separated by commas: ${(error as Error).message}`);
  }
  return {
    webhookSecrets,
    host: readOptional(env, 'HOST'),
    port: read(env, 'PORT', integer(0, 65_535), '3000'),
    webhookPath: read(env, 'WEBHOOK_PATH', urlPath, '/osigu/webhooks'),
    taskQueue: read(env, 'TEMPORAL_TASK_QUEUE', nonEmpty, DEFAULT_TASK_QUEUE),
    bodyLimitBytes: read(env, 'WEBHOOK_BODY_LIMIT', byteSize, '1mb'),
    signatureToleranceSeconds: read(env, 'SIGNATURE_TOLERANCE_SECONDS', integer(1, 3_600), '300'),
    startTimeoutMs,
    requestTimeoutMs,
    headersTimeoutMs,
    tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined,
    logLevel: read(env, 'LOG_LEVEL', logLevel, 'info'),
    osiguEnvironment: environment,
    metricsEnabled: read(env, 'METRICS_ENABLED', boolean, 'true'),
    maxInFlight: read(env, 'MAX_IN_FLIGHT', integer(1, 100_000), '256'),
    maxConcurrentStarts: read(env, 'MAX_CONCURRENT_STARTS', integer(1, 100_000), '128'),
    maxBodyReads,
    maxBodyReadsPerAddress,
    bodyTimeoutMs,
    trustedProxies,
    maxConnections: read(env, 'MAX_CONNECTIONS', integer(1, 1_000_000), '1024'),
    idHashKey: readIdHashKey(env, environment),
  };
}

const formatDuration = (value: number): string => String(value);

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const defaults = DEFAULT_ENTITY_SETTINGS;
  const apiBase = readOptional(env, 'OSIGU_API_BASE_URL');
  const clientId = readOptional(env, 'OSIGU_CLIENT_ID');
  const clientSecret = readOptional(env, 'OSIGU_CLIENT_SECRET');
  const apiSettings = { OSIGU_API_BASE_URL: apiBase, OSIGU_CLIENT_ID: clientId, OSIGU_CLIENT_SECRET: clientSecret };
  const missing = Object.entries(apiSettings).filter(([, value]) => value === undefined);
  if (missing.length > 0 && missing.length < 3) {
    throw new ConfigError(
      missing[0]?.[0] ?? 'OSIGU_API_BASE_URL',
      'is required when any of OSIGU_API_BASE_URL, OSIGU_CLIENT_ID, OSIGU_CLIENT_SECRET is set',
    );
  }
  const environment = readEnvironment(env);
  requireEncryptionInProduction(env, environment);
  const providerUrl = env.PROVIDER_WEBHOOK_URL?.trim() ? read(env, 'PROVIDER_WEBHOOK_URL', httpUrl) : undefined;
  const providerSecret = readOptional(env, 'PROVIDER_WEBHOOK_SECRET');
  if (providerUrl !== undefined && environment === 'production') {
    requireHttpsInProduction('PROVIDER_WEBHOOK_URL', providerUrl, environment);
    if (providerSecret === undefined)
      throw new ConfigError(
        'PROVIDER_WEBHOOK_SECRET',
        'is required when PROVIDER_WEBHOOK_URL is set and OSIGU_ENVIRONMENT=production (notifications would go unsigned)',
      );
    if (utf8Bytes(providerSecret) < MIN_PRODUCTION_SECRET_BYTES)
      throw new ConfigError(
        'PROVIDER_WEBHOOK_SECRET',
        `must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes when OSIGU_ENVIRONMENT=production`,
      );
  }
  const osiguApiUrl = apiBase === undefined ? undefined : read(env, 'OSIGU_API_BASE_URL', httpUrl);
  if (osiguApiUrl !== undefined) requireHttpsInProduction('OSIGU_API_BASE_URL', osiguApiUrl, environment);
  const taskQueue = read(env, 'TEMPORAL_TASK_QUEUE', nonEmpty, DEFAULT_TASK_QUEUE);
  const entityTaskQueue = read(env, 'TEMPORAL_ENTITY_TASK_QUEUE', nonEmpty, `${taskQueue}-entities`);
  if (entityTaskQueue === taskQueue)
    throw new ConfigError('TEMPORAL_ENTITY_TASK_QUEUE', 'must differ from TEMPORAL_TASK_QUEUE: entities need worker slots of their own');
  return {
    osiguEnvironment: environment,
    idHashKey: readIdHashKey(env, environment),
    taskQueue,
    entityTaskQueue,
    logLevel: read(env, 'LOG_LEVEL', logLevel, 'info'),
    settings: {
      dispensationStaleAfterMs: read(env, 'DISPENSATION_STALE_AFTER', duration, formatDuration(defaults.dispensationStaleAfterMs)),
      discrepancyEscalateAfterMs: read(env, 'DISCREPANCY_ESCALATE_AFTER', duration, formatDuration(defaults.discrepancyEscalateAfterMs)),
      discrepancyMaxEscalations: read(env, 'DISCREPANCY_MAX_ESCALATIONS', integer(0, 100), String(defaults.discrepancyMaxEscalations)),
      prescriptionOutcomeTimeoutMs: read(
        env,
        'PRESCRIPTION_OUTCOME_TIMEOUT',
        duration,
        formatDuration(defaults.prescriptionOutcomeTimeoutMs),
      ),
      quietPeriodMs: read(env, 'ENTITY_QUIET_PERIOD', duration, formatDuration(defaults.quietPeriodMs)),
      maxHistoryEvents: read(env, 'ENTITY_MAX_HISTORY_EVENTS', integer(50, 50_000), String(defaults.maxHistoryEvents)),
      lookupRetryAfterMs: read(env, 'LOOKUP_RETRY_AFTER', duration, formatDuration(defaults.lookupRetryAfterMs)),
    },
    osiguApi:
      apiBase !== undefined && clientId !== undefined && clientSecret !== undefined
        ? { baseUrl: read(env, 'OSIGU_API_BASE_URL', httpUrl), clientId, clientSecret }
        : undefined,
    providerWebhook: providerUrl === undefined ? undefined : { url: providerUrl, secret: providerSecret },
    // Unset: the default; set but empty: off.
    metricsAddress:
      env.WORKER_METRICS_ADDRESS?.trim() === '' ? undefined : read(env, 'WORKER_METRICS_ADDRESS', socketAddress, '127.0.0.1:9464'),
    version: readWorkerVersion(env),
    tuning: readWorkerTuning(env),
  };
}

const fraction = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a fraction such as 0.8')
  .transform(Number)
  .pipe(z.number().min(0.1, 'must be at least 0.1').max(1));

const pollers = z
  .string()
  .trim()
  .transform((value, ctx): WorkerPollers => {
    if (value.toLowerCase() === 'autoscaling') return { kind: 'autoscaling' };
    const maximum = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(maximum) || maximum < 1 || maximum > 1_000) {
      ctx.addIssue({ code: 'custom', message: 'must be autoscaling or a whole number from 1 to 1000' });
      return z.NEVER;
    }
    return { kind: 'maximum', maximum };
  });

/** The SDK's maxConcurrentWorkflowTaskExecutions when neither a count nor a tuner is given. */
const SDK_WORKFLOW_TASK_SLOTS = 40;

/** WORKER_*: counted slots or a CPU target (the SDK refuses both), pollers, cache. */
function readWorkerTuning(env: Env): WorkerTuning {
  const workflowTasks = optional(env, 'WORKER_WORKFLOW_TASK_SLOTS', integer(2, 10_000));
  const activities = optional(env, 'WORKER_ACTIVITY_SLOTS', integer(1, 10_000));
  const targetCpuUsage = optional(env, 'WORKER_TARGET_CPU_USAGE', fraction);
  const targetMemoryUsage = optional(env, 'WORKER_TARGET_MEMORY_USAGE', fraction);
  let slots: WorkerSlots;
  if (targetCpuUsage !== undefined || targetMemoryUsage !== undefined) {
    const counted =
      workflowTasks !== undefined ? 'WORKER_WORKFLOW_TASK_SLOTS' : activities !== undefined ? 'WORKER_ACTIVITY_SLOTS' : undefined;
    if (counted !== undefined)
      throw new ConfigError(
        counted,
        'cannot be set with WORKER_TARGET_CPU_USAGE or WORKER_TARGET_MEMORY_USAGE: slots are counted or resource-based, not both',
      );
    // Either target alone: the other at 0.8, the SDK's own example values.
    slots = { kind: 'resource-based', targetCpuUsage: targetCpuUsage ?? 0.8, targetMemoryUsage: targetMemoryUsage ?? 0.8 };
  } else if (workflowTasks !== undefined || activities !== undefined) {
    slots = { kind: 'fixed', workflowTasks, activities };
  } else {
    slots = { kind: 'sdk-default' };
  }
  const poll = optional(env, 'WORKER_POLLERS', pollers) ?? { kind: 'sdk-default' };
  // A poll holds a slot while it waits, so more polls than slots could never all be open. The
  // SDK's count is 40; resource-based slots have no fixed count to compare with.
  const workflowSlots = slots.kind === 'resource-based' ? undefined : (workflowTasks ?? SDK_WORKFLOW_TASK_SLOTS);
  if (poll.kind === 'maximum' && workflowSlots !== undefined && poll.maximum > workflowSlots)
    throw new ConfigError('WORKER_POLLERS', `must not exceed WORKER_WORKFLOW_TASK_SLOTS (${workflowSlots})`);
  return {
    slots,
    pollers: poll,
    maxCachedWorkflows: optional(env, 'WORKER_MAX_CACHED_WORKFLOWS', integer(0, 1_000_000)),
  };
}

const WORKER_SLOT_SETTINGS = [
  'WORKER_WORKFLOW_TASK_SLOTS',
  'WORKER_ACTIVITY_SLOTS',
  'WORKER_TARGET_CPU_USAGE',
  'WORKER_TARGET_MEMORY_USAGE',
  'WORKER_POLLERS',
] as const;

/**
 * The slot settings for a worker on the same host as its Temporal server (npm run dev,
 * docker-compose.yml), unless `env` sets any of its own. The SDK's 40 workflow-task slots and 10
 * pollers per worker take the server's CPU in bursts, and the starts the receiver answers with
 * wait behind them: on 2 cores, 4 slots and 2 pollers cut the receiver's p99 two- to fivefold
 * at 25-75/s and kept the same sustained rate (README, "Worker tuning: measured"). Activity slots
 * stay at the SDK's 100: notifications wait on the provider, not on the CPU.
 */
export function singleHostWorkerTuning(env: Env): Record<string, string> {
  if (WORKER_SLOT_SETTINGS.some((name) => readOptional(env, name) !== undefined)) return {};
  return { WORKER_WORKFLOW_TASK_SLOTS: '4', WORKER_POLLERS: '2' };
}

function optional<T>(env: Env, name: string, schema: z.ZodType<T, string>): T | undefined {
  return readOptional(env, name) === undefined ? undefined : read(env, name, schema);
}

// Temporal's own limit for deployment names and build ids is 255 bytes; '.' separates the two in
// the version string the CLI prints (`name.build`), so the deployment name may not contain one.
const deploymentName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be letters, digits, _ or - (at most 200)');
const buildId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.+-]{1,200}$/, 'must be letters, digits, _ . + or - (at most 200), e.g. 0.1.0+5b2cee5');

function readWorkerVersion(env: Env): WorkerVersion | undefined {
  if (readOptional(env, 'TEMPORAL_WORKER_DEPLOYMENT') === undefined) {
    if (readOptional(env, 'TEMPORAL_WORKER_BUILD_ID') !== undefined)
      throw new ConfigError('TEMPORAL_WORKER_DEPLOYMENT', 'is required when TEMPORAL_WORKER_BUILD_ID is set');
    return undefined;
  }
  // No default build id: two builds that claimed the same one would be routed as one.
  return {
    deploymentName: read(env, 'TEMPORAL_WORKER_DEPLOYMENT', deploymentName),
    buildId: read(env, 'TEMPORAL_WORKER_BUILD_ID', buildId),
  };
}
