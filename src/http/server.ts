import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError, loadReceiverConfig, type ReceiverConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { createTemporalClient } from '../temporal/client';
import { loadPayloadEncryption, payloadCodecsFor, payloadEncryptionStatus, type PayloadEncryption } from '../temporal/codec/settings';
import { loadTemporalConnectConfig, type TemporalConnectConfig } from '../temporal/connection-config';
import { createEventStarter, eventKeys, type EventStarter } from '../temporal/event-starter';
import { hashId } from '../osigu/id-key';
import { clientTracingInterceptors } from '../tracing/temporal';
import { startTracing, type Tracing } from '../tracing/tracing';
import { createApp } from './app';
import { createReceiverMetrics } from './metrics';

const CLIENT_ERROR_STATUS: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

export interface Receiver {
  /** Where it listens, e.g. http://127.0.0.1:3000 */
  origin: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then disconnects. */
  close(graceMs?: number): Promise<void>;
}

export interface ReceiverDependencies {
  logger: Logger;
  now?: () => Date;
  /** PAYLOAD_ENCRYPTION_KEYS, loaded; undefined stores event data in Temporal in clear (and says so). */
  payloadEncryption?: PayloadEncryption | undefined;
  /** OpenTelemetry, when configured (src/tracing): deliveries start traces the workflows continue. */
  tracing?: Tracing | undefined;
  /**
   * Stand-ins for Temporal, for tests of the HTTP side alone (admission, TLS, paths): the real
   * server, app and settings, with workflow starts and the readiness check supplied.
   */
  startEvent?: EventStarter;
  isTemporalReachable?: () => Promise<boolean>;
}

export async function startReceiver(
  config: ReceiverConfig,
  temporal: TemporalConnectConfig,
  { logger, now = () => new Date(), payloadEncryption, tracing, startEvent, isTemporalReachable }: ReceiverDependencies,
): Promise<Receiver> {
  const encryptionStatus = payloadEncryptionStatus(payloadEncryption);
  logger[encryptionStatus.level](encryptionStatus.fields, encryptionStatus.message);
  const temporalClient = createTemporalClient(temporal, payloadCodecsFor(payloadEncryption), clientTracingInterceptors(tracing));
  let closing = false;
  const metrics = createReceiverMetrics();
  const hash = hashId(config.idHashKey);
  const app = createApp({
    secrets: config.webhookSecrets,
    toleranceSeconds: config.signatureToleranceSeconds,
    bodyLimitBytes: config.bodyLimitBytes,
    webhookPath: config.webhookPath,
    now,
    logger,
    startEvent:
      startEvent ??
      createEventStarter({
        client: temporalClient.client,
        taskQueue: config.taskQueue,
        timeoutMs: config.startTimeoutMs,
        expectedEnvironment: config.osiguEnvironment,
        hash,
      }),
    eventKey: (eventId) => eventKeys({ event_id: eventId }, { workflowType: '', family: '', resourceId: undefined }, hash).workflowId,
    isReady: async () => !closing && (await (isTemporalReachable ?? (() => temporalClient.isReachable()))()),
    isClosing: () => closing,
    metrics,
    tracer: tracing?.tracer,
    metricsEnabled: config.metricsEnabled,
    maxInFlight: config.maxInFlight,
    maxConcurrentStarts: config.maxConcurrentStarts,
    maxBodyReads: config.maxBodyReads,
    maxBodyReadsPerAddress: config.maxBodyReadsPerAddress,
    bodyTimeoutMs: config.bodyTimeoutMs,
    trustedProxies: config.trustedProxies,
  });

  const serverOptions: http.ServerOptions = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    // Node checks both timeouts on this interval (30 s by default), which would let a slow client
    // hold a socket for far longer than configured.
    connectionsCheckingInterval: 1_000,
  };
  // Node's default is 120 s, and the HTTP timeouts above only start once the handshake is done:
  // a socket that never finishes it is cut off like one that never sends its headers.
  const tlsOptions: https.ServerOptions = { handshakeTimeout: config.headersTimeoutMs };
  const callback = app.callback();
  const handle: http.RequestListener = (req, res) => void callback(req, res);
  const server = config.tls
    ? https.createServer(
        {
          ...serverOptions,
          ...tlsOptions,
          cert: readFileSync(config.tls.certFile),
          key: readFileSync(config.tls.keyFile),
          minVersion: 'TLSv1.2',
        },
        handle,
      )
    : http.createServer(serverOptions, handle);
  // Beyond it, new connections are closed on arrival (file descriptors are finite).
  server.maxConnections = config.maxConnections;
  // Expect: 100-continue reaches the app like any request; the webhook handler invites the body
  // only once the signature header has passed and a body slot is held (Node would invite it at once).
  server.on('checkContinue', handle);

  // Node's own answers, and above all its socket.destroy(): a client cut off for being slow must
  // not be able to finish its request on the same socket afterwards.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
    logger.warn({ code: error.code ?? 'client_error', status }, 'malformed or timed-out request');
    if (socket.writable && socket._httpMessage?.headersSent !== true) {
      metrics.recordClientError(status);
      socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `${config.tls ? 'https' : 'http'}://${host}:${address.port}`;
  logger.info(
    { origin, path: config.webhookPath, taskQueue: config.taskQueue, namespace: temporal.namespace, environment: config.osiguEnvironment },
    'receiver listening',
  );

  return {
    origin,
    async close(graceMs = 10_000) {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
      await temporalClient.close();
      logger.info('receiver stopped');
    },
  };
}

async function main(): Promise<void> {
  let config: ReceiverConfig;
  let temporal: TemporalConnectConfig;
  let payloadEncryption: PayloadEncryption | undefined;
  try {
    config = loadReceiverConfig();
    temporal = loadTemporalConnectConfig();
    payloadEncryption = loadPayloadEncryption();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`receiver: configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, 'receiver');
  const tracing = startTracing('osigu-receiver');
  const receiver = await startReceiver(config, temporal, { logger, payloadEncryption, tracing });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      receiver.close().then(
        async () => {
          await tracing?.shutdown();
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`receiver: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
