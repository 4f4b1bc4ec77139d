import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel as SdkLogLevel } from '@temporalio/worker';
import { createActivities, type Activities } from './activities';
import { createOsiguApi } from './activities/osigu-api';
import { createProviderNotifier } from './activities/provider';
import { createIdKeyer } from './osigu/id-key';
import { ConfigError, loadWorkerConfig, type LogLevel, type WorkerConfig } from './config';
import { dataConverterFor, loadPayloadEncryption, payloadEncryptionStatus, type PayloadEncryption } from './temporal/codec/settings';
import { loadTemporalConnectConfig, type TemporalConnectConfig } from './temporal/connection-config';
import { workerDeploymentOptions, type WorkerVersion } from './temporal/worker-versioning';
import { clientTracingInterceptors, workerTracingOptions } from './tracing/temporal';
import { startTracing, type Tracing } from './tracing/tracing';
import { workerMetricsOptions } from './worker-metrics';

export interface EventWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** PAYLOAD_ENCRYPTION_KEYS, loaded; the activities' Client must be given the same. */
  payloadEncryption?: PayloadEncryption | undefined;
  /** OpenTelemetry, when configured (src/tracing): workflow and activity spans join the delivery's trace. */
  tracing?: Tracing | undefined;
  /** Worker Versioning's deployment and build; undefined: unversioned. */
  version?: WorkerVersion | undefined;
  /** The workflow code; only the upgrade drill (test/faults/upgraded) runs another build's. */
  workflowsPath?: string | undefined;
}

/** The worker for every event and entity workflow; the caller owns the connection and runs it. */
export async function createEventWorker({
  connection,
  namespace,
  taskQueue,
  activities,
  payloadEncryption,
  tracing,
  version,
  workflowsPath,
}: EventWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    // A versioned worker's workflows carry their versioning behaviours; an unversioned one's must not.
    workflowsPath: workflowsPath ?? (version === undefined ? require.resolve('./workflows') : require.resolve('./workflows/versioned')),
    activities,
    dataConverter: dataConverterFor(payloadEncryption),
    // On SIGTERM: in-flight activities get 10 s to finish, then are cancelled (Temporal retries them
    // elsewhere); every activity here gives up on its own HTTP call within 10 s anyway.
    shutdownGraceTime: '10s',
    ...workerTracingOptions(tracing),
    ...workerDeploymentOptions(version),
  });
}

/** The activities as configured: a Temporal client for entity hand-offs, Osigu's API, the provider's URL. */
export function activitiesFor(config: WorkerConfig, client: Client): Activities {
  return createActivities({
    client,
    taskQueue: config.taskQueue,
    settings: config.settings,
    osigu: config.osiguApi === undefined ? undefined : createOsiguApi(config.osiguApi),
    notifyProvider: createProviderNotifier({ url: config.providerWebhook?.url, secret: config.providerWebhook?.secret }),
    // Ids found in `data` (a dispensation's authorization, a prescription) keyed as the receiver keys them.
    resourceKey: createIdKeyer(config.idHashKey),
  });
}

const SDK_LOG_LEVEL: Record<LogLevel, SdkLogLevel> = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
  silent: 'ERROR',
};

/** The worker process: settings from the environment, runs until SIGINT/SIGTERM. */
export async function runWorkerProcess({ workflowsPath }: { workflowsPath?: string } = {}): Promise<void> {
  let config: WorkerConfig;
  let temporal: TemporalConnectConfig;
  let payloadEncryption: PayloadEncryption | undefined;
  try {
    config = loadWorkerConfig();
    temporal = loadTemporalConnectConfig();
    payloadEncryption = loadPayloadEncryption();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`worker: configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVEL[config.logLevel]), ...workerMetricsOptions(config.metricsAddress) });
  const tracing = startTracing('osigu-worker');
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  const clientConnection = await Connection.connect(temporal.connectionOptions);
  try {
    const encryptionStatus = payloadEncryptionStatus(payloadEncryption);
    Runtime.instance().logger[encryptionStatus.level](encryptionStatus.message, encryptionStatus.fields);
    const client = new Client({
      connection: clientConnection,
      namespace: temporal.namespace,
      dataConverter: dataConverterFor(payloadEncryption),
      interceptors: clientTracingInterceptors(tracing) ?? {},
    });
    const worker = await createEventWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      activities: activitiesFor(config, client),
      payloadEncryption,
      tracing,
      version: config.version,
      workflowsPath,
    });
    // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks have drained: the SDK installs
    // those signal handlers itself (Runtime's shutdownSignals).
    await worker.run();
  } finally {
    await clientConnection.close();
    await connection.close();
    await tracing?.shutdown();
  }
}

if (require.main === module) {
  runWorkerProcess().catch((error: unknown) => {
    process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
