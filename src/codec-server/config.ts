import { ConfigError, type Env, type LogLevel } from '../config';
import { loadPayloadEncryption, PAYLOAD_ENCRYPTION_KEYS, type PayloadEncryption } from '../temporal/codec/settings';

export interface CodecServerConfig {
  host: string;
  port: number;
  /** The bearer token every encode/decode must present (or the session cookie derived from it). */
  token: string;
  /** Origins whose pages may call the codec server from a browser: the Web UI's. */
  corsOrigins: readonly string[];
  encryption: PayloadEncryption;
  logLevel: LogLevel;
}

export const CODEC_SERVER_TOKEN = 'CODEC_SERVER_TOKEN';
export const MIN_TOKEN_LENGTH = 32;
const DEFAULT_CORS_ORIGINS = 'http://127.0.0.1:8233,http://localhost:8233';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function origin(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new ConfigError('CODEC_SERVER_CORS_ORIGINS', `"${entry.slice(0, 100)}" is not an origin such as http://127.0.0.1:8233`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== entry.replace(/\/$/, '')) {
    throw new ConfigError('CODEC_SERVER_CORS_ORIGINS', `"${entry.slice(0, 100)}" is not an origin such as http://127.0.0.1:8233 (scheme, host and port only)`);
  }
  return url.origin;
}

/**
 * The codec server's settings. It has no reason to run without a token (the endpoint is off) or
 * without keys (nothing to decode): both are required.
 */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const token = value(env, CODEC_SERVER_TOKEN);
  if (token === undefined) throw new ConfigError(CODEC_SERVER_TOKEN, 'is required: without it the codec endpoint is off (openssl rand -base64 32 makes one)');
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new ConfigError(CODEC_SERVER_TOKEN, `must be at least ${MIN_TOKEN_LENGTH} characters without spaces (openssl rand -base64 32 makes one)`);
  }
  const encryption = loadPayloadEncryption(env);
  if (encryption === undefined) throw new ConfigError(PAYLOAD_ENCRYPTION_KEYS, 'is required by the codec server: it decodes with these keys');

  const portText = value(env, 'CODEC_SERVER_PORT') ?? '8888';
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) throw new ConfigError('CODEC_SERVER_PORT', 'must be a port number, 0 to 65535');

  const corsOrigins = (value(env, 'CODEC_SERVER_CORS_ORIGINS') ?? DEFAULT_CORS_ORIGINS)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(origin);

  const logLevel = (value(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  return { host: value(env, 'CODEC_SERVER_HOST') ?? '127.0.0.1', port, token, corsOrigins, encryption, logLevel };
}
