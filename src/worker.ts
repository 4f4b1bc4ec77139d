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
import { describeWorkerTuning, workerTuningOptions, type WorkerTuningOptions } from './temporal/worker-tuning';
import { clientTracingInterceptors, workerTracingOptions } from './tracing/temporal';
import { startTracing, type Tracing } from './tracing/tracing';
import { workerMetricsOptions } from './worker-metrics';
import { loadWorkflowCode, type WorkflowCode } from './workflow-code';

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
  /** The code, loaded already (createWorkers loads it once for both); else loaded here. */
  workflowCode?: WorkflowCode | undefined;
  /** Slots, pollers and cache (workerTuningOptions, made once per process); undefined: the SDK's defaults. */
  tuning?: WorkerTuningOptions | undefined;
}

/** The bundle this worker's settings call for (src/workflow-code.ts): prebuilt when current. */
export function workflowCodeFor(options: Pick<EventWorkerOptions, 'version' | 'tracing' | 'workflowsPath'>): Promise<WorkflowCode> {
  return loadWorkflowCode(
    { versioned: options.version !== undefined, traced: options.tracing !== undefined },
    { workflowsPath: options.workflowsPath },
  );
}

/**
 * A worker for every event and entity workflow on one task queue; the caller owns the connection
 * and runs it. The worker process runs two (createWorkers): the events' queue and the entities'.
 */
export async function createEventWorker({
  connection,
  namespace,
  taskQueue,
  activities,
  payloadEncryption,
  tracing,
  version,
  workflowsPath,
  workflowCode,
  tuning,
}: EventWorkerOptions): Promise<Worker> {
  const code = workflowCode ?? (await workflowCodeFor({ version, tracing, workflowsPath }));
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    // A versioned worker's workflows carry their versioning behaviours, a traced one's the tracing
    // interceptors (the variants of src/workflow-code.ts).
    workflowBundle: code.bundle,
    activities,
    dataConverter: dataConverterFor(payloadEncryption),
    // On SIGTERM: in-flight activities get 10 s to finish, then are cancelled (Temporal retries them
    // elsewhere); every activity here gives up on its own HTTP call within 10 s anyway.
    shutdownGraceTime: '10s',
    ...tuning,
    ...workerTracingOptions(tracing),
    ...workerDeploymentOptions(version),
  });
}

export interface Workers {
  /** Event workflows (and entities started before they had a queue of their own) and the hand-off. */
  events: Worker;
  /** Entity workflows and their activities (lookups, notifications). */
  entities: Worker;
  /** Runs both until shutdown(), in-flight tasks drained. */
  run(): Promise<void>;
  /**
   * Drains the events' worker first and the entities' after it: an event's hand-off in flight
   * waits for its entity's answer, which needs the entities' worker still polling.
   */
  shutdown(): void;
}

/**
 * The two workers of one process, each with its own slots: an event workflow's task stays open
 * while its hand-off (a local activity) waits for the entity's Update, and the entity's task must
 * never queue behind such waiting tasks for a slot. Both register every workflow type, so an
 * entity started on the events' queue (by an earlier build) still runs.
 */
export async function createWorkers(
  options: Omit<EventWorkerOptions, 'taskQueue'> & { taskQueue: string; entityTaskQueue: string },
): Promise<Workers> {
  const workflowCode = options.workflowCode ?? (await workflowCodeFor(options));
  const events = await createEventWorker({ ...options, workflowCode });
  const entities = await createEventWorker({ ...options, taskQueue: options.entityTaskQueue, workflowCode });
  const stop = (worker: Worker): void => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  let eventsDone: Promise<void> | undefined;
  return {
    events,
    entities,
    async run() {
      // The entities' worker stops once the events' has drained (or failed): never before it.
      eventsDone = events.run().finally(() => stop(entities));
      const entitiesDone = entities.run().catch((error: unknown) => {
        // A fatal error in one stops the other, so the process never half-runs.
        stop(events);
        throw error;
      });
      await Promise.all([eventsDone, entitiesDone]);
    },
    shutdown() {
      if (eventsDone === undefined) {
        stop(entities);
        stop(events);
      } else stop(events);
    },
  };
}

/** The activities as configured: a Temporal client for entity hand-offs, Osigu's API, the provider's URL. */
export function activitiesFor(config: WorkerConfig, client: Client): Activities {
  return createActivities({
    client,
    // The hand-off starts entities on their own queue.
    taskQueue: config.entityTaskQueue,
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
  Runtime.install({
    logger: new DefaultLogger(SDK_LOG_LEVEL[config.logLevel]),
    ...workerMetricsOptions(config.metricsAddress),
    // Our own handlers below: the two workers drain in order (Workers.shutdown), not both at once.
    shutdownSignals: [],
  });
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
    const workflowCode = await workflowCodeFor({ version: config.version, tracing, workflowsPath });
    Runtime.instance().logger[workflowCode.stale ? 'warn' : 'info'](`workflow code: ${workflowCode.source}`, {
      reason: workflowCode.reason,
    });
    Runtime.instance().logger.info(`worker tuning: ${describeWorkerTuning(config.tuning)}`);
    const workers = await createWorkers({
      workflowCode,
      connection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      entityTaskQueue: config.entityTaskQueue,
      activities: activitiesFor(config, client),
      payloadEncryption,
      tracing,
      version: config.version,
      workflowsPath,
      // Once for both workers: a resource-based tuning's controller is shared by them.
      tuning: workerTuningOptions(config.tuning),
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => workers.shutdown());
    // Resolves once both have drained after SIGINT/SIGTERM.
    await workers.run();
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
