import { z } from 'zod';
import { ConfigError, duration, integer, logLevel, read, readOptional, type Env, type LogLevel } from '../config';
import { loadPayloadEncryption, PAYLOAD_ENCRYPTION_KEYS, type PayloadEncryption } from '../temporal/codec/settings';

export interface CodecServerConfig {
  host: string;
  port: number;
  /** The bearer token every encode/decode must present (the CLI), or a sign-in turns into a session. */
  token: string;
  /** Origins whose pages may call the codec server from a browser: the Web UI's. */
  corsOrigins: readonly string[];
  encryption: PayloadEncryption;
  logLevel: LogLevel;
  /** Where browsers reach it (behind TLS and single sign-on): https makes the cookie Secure and __Host-. */
  publicOrigin: string | undefined;
  /** A header the single sign-on proxy sets to the signed-in user, for the audit log. */
  identityHeader: string | undefined;
  sessionMaxAgeMs: number;
  sessionIdleMs: number;
  /** A file every decode and encode is appended to, for `ops audit`; unset: the service log only. */
  auditLogFile: string | undefined;
}

export const CODEC_SERVER_TOKEN = 'CODEC_SERVER_TOKEN';
export const MIN_TOKEN_LENGTH = 32;
export const CODEC_SERVER_AUDIT_LOG = 'CODEC_SERVER_AUDIT_LOG';
const DEFAULT_CORS_ORIGINS = 'http://127.0.0.1:8233,http://localhost:8233';

const token = z
  .string()
  .trim()
  .refine((value) => value.length >= MIN_TOKEN_LENGTH && !/\s/.test(value), {
    message: `must be at least ${MIN_TOKEN_LENGTH} characters without spaces (openssl rand -base64 32 makes one)`,
  });

/** Scheme, host and port only: what a browser sends as Origin. */
const origin = z
  .string()
  .trim()
  .transform((entry, ctx) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.origin !== entry.replace(/\/$/, '')) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry.slice(0, 100)}" is not an origin such as http://127.0.0.1:8233 (scheme, host and port only)`,
      });
      return z.NEVER;
    }
    return url.origin;
  });

const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .pipe(z.array(origin));

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]{1,64}$/, 'must be an HTTP header name such as X-Forwarded-User');

/**
 * The codec server's settings, read like every other process's (src/config.ts). It has no reason
 * to run without a token (the endpoint is off) or without keys (nothing to decode): both are
 * required.
 */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  if (readOptional(env, CODEC_SERVER_TOKEN) === undefined) {
    throw new ConfigError(CODEC_SERVER_TOKEN, 'is required: without it the codec endpoint is off (openssl rand -base64 32 makes one)');
  }
  const tokenValue = read(env, CODEC_SERVER_TOKEN, token);
  const encryption = loadPayloadEncryption(env);
  if (encryption === undefined)
    throw new ConfigError(PAYLOAD_ENCRYPTION_KEYS, 'is required by the codec server: it decodes with these keys');
  const sessionMaxAgeMs = read(env, 'CODEC_SERVER_SESSION_MAX_AGE', duration, '8h');
  const sessionIdleMs = read(env, 'CODEC_SERVER_SESSION_IDLE', duration, '30m');
  if (sessionIdleMs > sessionMaxAgeMs) throw new ConfigError('CODEC_SERVER_SESSION_IDLE', 'must not exceed CODEC_SERVER_SESSION_MAX_AGE');
  return {
    host: readOptional(env, 'CODEC_SERVER_HOST') ?? '127.0.0.1',
    port: read(env, 'CODEC_SERVER_PORT', integer(0, 65_535), '8888'),
    token: tokenValue,
    corsOrigins: read(env, 'CODEC_SERVER_CORS_ORIGINS', originList, DEFAULT_CORS_ORIGINS),
    encryption,
    logLevel: read(env, 'LOG_LEVEL', logLevel, 'info'),
    publicOrigin:
      readOptional(env, 'CODEC_SERVER_PUBLIC_ORIGIN') === undefined ? undefined : read(env, 'CODEC_SERVER_PUBLIC_ORIGIN', origin),
    identityHeader:
      readOptional(env, 'CODEC_SERVER_IDENTITY_HEADER') === undefined ? undefined : read(env, 'CODEC_SERVER_IDENTITY_HEADER', headerName),
    sessionMaxAgeMs,
    sessionIdleMs,
    auditLogFile: readOptional(env, CODEC_SERVER_AUDIT_LOG),
  };
}
