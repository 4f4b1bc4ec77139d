import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { loadReceiverConfig, loadWorkerConfig, type Env } from '../../src/config';
import { startReceiver, type Receiver } from '../../src/http/server';
import { dataConverterFor, loadPayloadEncryption } from '../../src/temporal/codec/settings';
import { activitiesFor, createEventWorker } from '../../src/worker';
import { REPLAY_RECORD_DIR, recordHistories } from '../replay/recorder';
import { TEST_SECRET } from './delivery';
import { postgresTemporalRequested, startPostgresTemporal } from './postgres-temporal';
import { freePort, startDevServer, temporalCliPath, type DevServer, type DevServerOptions } from '../../scripts/dev-server';

export const TASK_QUEUE = 'osigu-webhooks-test';

/**
 * A Temporal dev server from the project's own CLI build, on free loopback ports; with
 * TEMPORAL_TEST_SERVER=postgres, the Temporal server on PostgreSQL instead (test/support/
 * postgres-temporal.ts), except where a Web UI is asked for (only the dev server has one).
 */
export async function startTemporal(options: Partial<DevServerOptions> = {}): Promise<DevServer> {
  if (postgresTemporalRequested() && options.uiPort === undefined) return startPostgresTemporal(options);
  const server = await startDevServer({ cliPath: await temporalCliPath(), ...options });
  const recordTo = process.env[REPLAY_RECORD_DIR];
  if (recordTo === undefined || recordTo === '') return server;
  // `npm run replay:record`: what this suite's workflows went through joins the replay corpus.
  return {
    ...server,
    async stop() {
      await recordHistories(server.address, recordTo, server.namespace);
      await server.stop();
    },
  };
}

export interface RunningWorker {
  worker: Worker;
  stop: () => Promise<void>;
}

let runtimeInstalled = false;

/** A real worker in this process, configured like the worker process is (from `env`). */
export async function startWorker(address: string, env: Env = {}): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    // The SDK logs every worker state change at INFO; tests want its warnings only.
    try {
      Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_SDK_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
    } catch {
      // already installed in this process
    }
    runtimeInstalled = true;
  }
  const config = loadWorkerConfig({ TEMPORAL_TASK_QUEUE: TASK_QUEUE, OSIGU_ENVIRONMENT: 'sandbox', ...env });
  const payloadEncryption = loadPayloadEncryption(env);
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, dataConverter: dataConverterFor(payloadEncryption) });
  const worker = await createEventWorker({
    connection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    activities: activitiesFor(config, client),
    payloadEncryption,
    version: config.version,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await clientConnection.close();
      await connection.close();
    },
  };
}

/** `env` as the receiver process reads it (PAYLOAD_ENCRYPTION_KEYS included); `logger` to capture its lines. */
export async function startTestReceiver(address: string, env: Env = {}, options: { logger?: Logger } = {}): Promise<Receiver> {
  const config = loadReceiverConfig({
    OSIGU_WEBHOOK_SECRET: TEST_SECRET,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    OSIGU_ENVIRONMENT: 'sandbox',
    ...env,
  });
  // Silent by default; LOG_LEVEL=debug on the jest command line shows the receiver's decisions.
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  return startReceiver(
    config,
    { connectionOptions: { address }, namespace: 'default' },
    { logger, payloadEncryption: loadPayloadEncryption(env) },
  );
}

/** A client; with PAYLOAD_ENCRYPTION_KEYS in `env`, one that decrypts (and encrypts) payloads like the worker's. */
export async function temporalClient(address: string, env: Env = {}): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, dataConverter: dataConverterFor(loadPayloadEncryption(env)) }),
    close: () => connection.close(),
  };
}

/** Every run Temporal has for this workflow id (visibility is eventually consistent: settle first). */
export async function runsOf(client: Client, workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(execution.runId);
  return runs;
}
