import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel as SdkLogLevel } from '@temporalio/worker';
import { ConfigError, loadWorkerConfig, type LogLevel, type WorkerConfig } from './config';
import { loadTemporalConnectConfig, type TemporalConnectConfig } from './temporal/connection-config';

export interface EventWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
}

/** The worker for every event workflow; the caller owns the connection and runs it. */
export async function createEventWorker({ connection, namespace, taskQueue }: EventWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
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

async function main(): Promise<void> {
  let config: WorkerConfig;
  let temporal: TemporalConnectConfig;
  try {
    config = loadWorkerConfig();
    temporal = loadTemporalConnectConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`worker: configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVEL[config.logLevel]) });
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const worker = await createEventWorker({ connection, namespace: temporal.namespace, taskQueue: config.taskQueue });
    // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks have drained: the SDK installs
    // those signal handlers itself (Runtime's shutdownSignals).
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
