import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/**
 * JSON lines on stdout. Call sites log ids, types, sizes and decisions only; the redaction list is
 * the safety net for the day someone logs a request or an error object carrying more.
 */
export function createLogger(level: LogLevel, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers["x-osigu-signature"]',
        'req.headers.authorization',
        'headers["x-osigu-signature"]',
        'headers.authorization',
        'secret',
        'secrets',
        'body',
        'data',
        'event.data',
      ],
      censor: '[redacted]',
    },
  });
}
