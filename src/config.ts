import bytes from 'bytes';
import { z } from 'zod';

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
}

export interface WorkerConfig {
  taskQueue: string;
  logLevel: LogLevel;
}

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
    // `bytes` reads "1mb", "512kb" and plain numbers; it answers null (or NaN) for anything else.
    const parsed = /^\d+$/.test(value) ? Number(value) : bytes.parse(value);
    if (parsed === null || !Number.isSafeInteger(parsed) || parsed < 1) {
      ctx.addIssue({ code: 'custom', message: 'must be a size such as 1048576, 512kb or 1mb' });
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
  };
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return {
    taskQueue: read(env, 'TEMPORAL_TASK_QUEUE', nonEmpty, DEFAULT_TASK_QUEUE),
    logLevel: read(env, 'LOG_LEVEL', logLevel, 'info'),
  };
}
