import { isIPv4, isIPv6 } from 'node:net';
import bytes from 'bytes';
import type { Duration } from '@temporalio/common';
// Temporal's own Duration parser (the `ms` format), so settings read like activity options do.
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { DEFAULT_ENTITY_SETTINGS, type EntitySettings } from './domain/settings';

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
  osiguEnvironment: (typeof OSIGU_ENVIRONMENTS)[number];
  /** GET /metrics on the receiver's port (Prometheus text). */
  metricsEnabled: boolean;
  /** Load shedding: deliveries admitted at once, and workflow starts at once; beyond, 503 overloaded. */
  maxInFlight: number;
  maxConcurrentStarts: number;
}

export interface WorkerConfig {
  taskQueue: string;
  logLevel: LogLevel;
  settings: EntitySettings;
  /** Osigu's API, for lookups; unset leaves reconciliation to what the events said. */
  osiguApi: { baseUrl: string; clientId: string; clientSecret: string } | undefined;
  /** The provider's internal URL for outcomes; unset records them in Temporal only. */
  providerWebhook: { url: string; secret: string | undefined } | undefined;
  /** ip:port where the Temporal SDK serves its Prometheus metrics; undefined: not served. */
  metricsAddress: string | undefined;
}

export const OSIGU_ENVIRONMENTS = ['sandbox', 'production'] as const;

const DEFAULT_TASK_QUEUE = 'osigu-webhooks';

// Each schema is applied to one variable so that an error always names the setting it is about.
const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const byteSize = z
  .string()
  .trim()
  .transform((value, ctx) => {
    // `bytes` would read "1m" as 1 byte (its parseInt fallback): give it only what it reads right.
    const parsed = /^\d+$/.test(value) ? Number(value) : /^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i.test(value) ? bytes.parse(value) : null;
    if (parsed === null || !Number.isSafeInteger(parsed) || parsed < 1 || parsed > 64 * 1024 * 1024) {
      ctx.addIssue({ code: 'custom', message: 'must be a size such as 1048576, 512kb or 1mb (at most 64mb)' });
      return z.NEVER;
    }
    return parsed;
  });

const secretList = z
  .string()
  .transform((value) => value.split(',').map((secret) => secret.trim()))
  .refine((secrets) => secrets.every((secret) => secret.length > 0), {
    message: 'must be one secret, or several separated by commas, none of them empty',
  });

const urlPath = z
  .string()
  .trim()
  .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must be a path such as /osigu/webhooks');

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const duration = z
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

const logLevel = z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` });

function read<T>(env: Env, name: string, schema: z.ZodType<T, string>, fallback?: string): T {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : raw;
  if (value === undefined) throw new ConfigError(name, 'is required');
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(name, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
}

function readOptional(env: Env, name: string): string | undefined {
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
  return {
    webhookSecrets: read(env, 'OSIGU_WEBHOOK_SECRET', secretList),
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
    osiguEnvironment: read(env, 'OSIGU_ENVIRONMENT', z.enum(OSIGU_ENVIRONMENTS, { message: 'must be sandbox or production' }), 'sandbox'),
    metricsEnabled: read(env, 'METRICS_ENABLED', boolean, 'true'),
    maxInFlight: read(env, 'MAX_IN_FLIGHT', integer(1, 100_000), '256'),
    maxConcurrentStarts: read(env, 'MAX_CONCURRENT_STARTS', integer(1, 100_000), '128'),
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
    throw new ConfigError(missing[0]?.[0] ?? 'OSIGU_API_BASE_URL', 'is required when any of OSIGU_API_BASE_URL, OSIGU_CLIENT_ID, OSIGU_CLIENT_SECRET is set');
  }
  const providerUrl = env.PROVIDER_WEBHOOK_URL?.trim() ? read(env, 'PROVIDER_WEBHOOK_URL', httpUrl) : undefined;
  return {
    taskQueue: read(env, 'TEMPORAL_TASK_QUEUE', nonEmpty, DEFAULT_TASK_QUEUE),
    logLevel: read(env, 'LOG_LEVEL', logLevel, 'info'),
    settings: {
      dispensationStaleAfterMs: read(env, 'DISPENSATION_STALE_AFTER', duration, formatDuration(defaults.dispensationStaleAfterMs)),
      discrepancyEscalateAfterMs: read(env, 'DISCREPANCY_ESCALATE_AFTER', duration, formatDuration(defaults.discrepancyEscalateAfterMs)),
      discrepancyMaxEscalations: read(env, 'DISCREPANCY_MAX_ESCALATIONS', integer(0, 100), String(defaults.discrepancyMaxEscalations)),
      prescriptionOutcomeTimeoutMs: read(env, 'PRESCRIPTION_OUTCOME_TIMEOUT', duration, formatDuration(defaults.prescriptionOutcomeTimeoutMs)),
      quietPeriodMs: read(env, 'ENTITY_QUIET_PERIOD', duration, formatDuration(defaults.quietPeriodMs)),
      maxHistoryEvents: read(env, 'ENTITY_MAX_HISTORY_EVENTS', integer(50, 50_000), String(defaults.maxHistoryEvents)),
      lookupRetryAfterMs: read(env, 'LOOKUP_RETRY_AFTER', duration, formatDuration(defaults.lookupRetryAfterMs)),
    },
    osiguApi:
      apiBase !== undefined && clientId !== undefined && clientSecret !== undefined
        ? { baseUrl: read(env, 'OSIGU_API_BASE_URL', httpUrl), clientId, clientSecret }
        : undefined,
    providerWebhook: providerUrl === undefined ? undefined : { url: providerUrl, secret: readOptional(env, 'PROVIDER_WEBHOOK_SECRET') },
    // Unset: the default; set but empty: off.
    metricsAddress: env.WORKER_METRICS_ADDRESS?.trim() === '' ? undefined : read(env, 'WORKER_METRICS_ADDRESS', socketAddress, '127.0.0.1:9464'),
  };
}
