import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config';
import { createLogger, type Logger } from '../logger';
import { createCodecApp } from './app';
import { openCodecAuditLog } from './audit-log';
import { loadCodecServerConfig, type CodecServerConfig } from './config';

export interface CodecServer {
  /** Where it listens, e.g. http://127.0.0.1:8888 */
  origin: string;
  close(): Promise<void>;
}

/**
 * The codec server: its own small process and port, so the webhook receiver's surface stays one
 * POST. Loopback by default: reach it through the Web UI's browser on the same machine, or put it
 * behind your TLS and single sign-on before exposing it.
 */
export async function startCodecServer(config: CodecServerConfig, { logger }: { logger: Logger }): Promise<CodecServer> {
  const audit =
    config.auditLogFile === undefined
      ? undefined
      : openCodecAuditLog(config.auditLogFile, (error) => logger.error({ err: error.message }, 'codec audit log write failed'));
  const app = createCodecApp({
    audit,
    codec: config.encryption.codec,
    token: config.token,
    corsOrigins: config.corsOrigins,
    logger,
    sessionMaxAgeMs: config.sessionMaxAgeMs,
    sessionIdleMs: config.sessionIdleMs,
    publicOrigin: config.publicOrigin,
    identityHeader: config.identityHeader,
  });
  const callback = app.callback();
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => void callback(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;
  logger.info(
    {
      origin,
      corsOrigins: config.corsOrigins,
      encryptionKeyId: config.encryption.encryptionKeyId,
      decryptionKeyIds: config.encryption.keyIds,
    },
    'codec server listening',
  );
  return {
    origin,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(force);
      await audit?.close();
      logger.info('codec server stopped');
    },
  };
}

async function main(): Promise<void> {
  let config: CodecServerConfig;
  try {
    config = loadCodecServerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`codec-server: configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, 'codec-server');
  const server = await startCodecServer(config, { logger });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`codec-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
