import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { loadReceiverConfig, loadWorkerConfig, type Env } from '../../src/config';
import { startReceiver, type Receiver } from '../../src/http/server';
import { dataConverterFor, loadPayloadEncryption } from '../../src/temporal/codec/settings';
import { activitiesFor, createWorkers } from '../../src/worker';
import { workerTuningOptions } from '../../src/temporal/worker-tuning';
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
  // The worker process's two workers: the events' queue and the entities' own.
  const workers = await createWorkers({
    connection,
    namespace: 'default',
    taskQueue: config.taskQueue,
    entityTaskQueue: config.entityTaskQueue,
    activities: activitiesFor(config, client),
    payloadEncryption,
    version: config.version,
    tuning: workerTuningOptions(config.tuning),
  });
  const running = workers.run();
  return {
    worker: workers.events,
    async stop() {
      workers.shutdown();
      await running;
      await clientConnection.close();
      await connection.close();
    },
  };
}

/** `env` as the receiver process reads it (PAYLOAD_ENCRYPTION_KEYS included); `logger` to capture its lines. */
export async function startTestReceiver(address: string, env: Env = {}, options: { logger?: Logger | undefined } = {}): Promise<Receiver> {
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

export interface StackOptions {
  /** startTemporal's options (a fixed port, a dbFile, a Web UI), or a function giving them when the stack starts. */
  temporal?: Partial<DevServerOptions> | (() => Partial<DevServerOptions> | Promise<Partial<DevServerOptions>>);
  /** A worker (startWorker) on the stack's Temporal. */
  worker?: boolean;
  /** The worker's env, or a function giving it when the stack starts (e.g. the URL of a server `before` started). */
  workerEnv?: Env | (() => Env);
  /** A receiver (startTestReceiver) on the stack's Temporal. */
  receiver?: boolean;
  receiverEnv?: Env | (() => Env);
  /** The receiver's logger, to capture its lines (default: silent, or LOG_LEVEL). */
  receiverLogger?: Logger;
  /** Grace given to the receiver's in-flight requests when the stack stops it (default: Receiver.close's own). */
  receiverCloseGraceMs?: number;
  /** A client (temporalClient) on the stack's Temporal. */
  client?: boolean;
  /** The client's env (PAYLOAD_ENCRYPTION_KEYS: one that decrypts like the worker). */
  clientEnv?: Env;
  /**
   * Runs first, before Temporal starts: for what the stack's parts need (a provider server the
   * worker's env points at). Register its cleanup with `defer`: it then runs last.
   */
  before?: (defer: (cleanup: () => unknown) => void) => unknown;
  /** Timeout of the stack's beforeAll and of its afterAll (default 120 s). */
  hookTimeoutMs?: number;
}

export interface Stack {
  readonly temporal: DevServer;
  readonly worker: RunningWorker;
  readonly receiver: Receiver;
  readonly client: Client;
  /** Runs `cleanup` in the stack's afterAll, before the parts started so far are stopped (last deferred, first run). */
  defer(cleanup: () => unknown): void;
  /** Stops the worker (if it still runs) and starts a new one, with `env` or else the stack's workerEnv; the stack stops it at the end. */
  restartWorker(env?: Env): Promise<RunningWorker>;
  /**
   * Starts Temporal again with the options it was first started with (same port and dbFile: the
   * same server back), stopping it first if it still runs; the stack stops the new one at the end.
   * The worker, receiver and client are not restarted (they reconnect by themselves).
   */
  restartTemporal(): Promise<DevServer>;
}

const stillRunning = (server: DevServer): boolean => server.process.exitCode === null && server.process.signalCode === null;

/**
 * The integration stack of a suite: registers a beforeAll that starts Temporal, then the worker,
 * the receiver and the client if asked for, and an afterAll that runs what was deferred and stops
 * all that was started, in reverse order. A start that fails half-way stops what it had started
 * before the error is reported, and one that ends after the afterAll (a timed-out hook) is stopped
 * at once, so no process outlives the suite. The parts are getters that throw before the
 * beforeAll ran (and for a part not asked for); the functions above stay for setups of their own.
 */
export function useStack(options: StackOptions = {}): Stack {
  const timeout = options.hookTimeoutMs ?? 120_000;
  const resolveEnv = (env: Env | (() => Env) | undefined): Env => (typeof env === 'function' ? env() : (env ?? {}));
  let temporal: DevServer | undefined;
  let temporalOptions: Partial<DevServerOptions> | undefined;
  let worker: RunningWorker | undefined;
  let receiver: Receiver | undefined;
  let client: { client: Client; close: () => Promise<void> } | undefined;
  let cleanups: (() => unknown)[] = [];
  let started = false;
  let stopped = false;

  const defer = (cleanup: () => unknown): void => {
    if (!stopped) {
      cleanups.push(cleanup);
      return;
    }
    // The afterAll has run already (its beforeAll timed out and went on): clean up at once.
    void Promise.resolve()
      .then(cleanup)
      .catch((error: unknown) => console.error('useStack: a cleanup after the afterAll failed', error));
  };

  const stopAll = async (): Promise<void> => {
    stopped = true;
    const errors: unknown[] = [];
    const pending = cleanups;
    cleanups = [];
    for (const cleanup of pending.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `useStack: ${errors.length} parts failed to stop`);
  };

  const startWorkerPart = async (env: Env): Promise<RunningWorker> => {
    const running = await startWorker(stack.temporal.address, env);
    // Stopping twice (a test, then the afterAll) is stopping once.
    let stopping: Promise<void> | undefined;
    const next: RunningWorker = { worker: running.worker, stop: () => (stopping ??= running.stop()) };
    worker = next;
    defer(async () => {
      if (worker === next) worker = undefined;
      await next.stop();
    });
    return next;
  };

  beforeAll(async () => {
    started = true;
    try {
      await options.before?.(defer);
      temporalOptions = typeof options.temporal === 'function' ? await options.temporal() : (options.temporal ?? {});
      const server = await startTemporal(temporalOptions);
      temporal = server;
      // Whichever server is current at the end (restartTemporal replaces it), unless a test stopped it.
      defer(async () => {
        const current = temporal;
        temporal = undefined;
        if (current !== undefined && stillRunning(current)) await current.stop();
      });
      if (stopped) return;
      if (options.worker) await startWorkerPart(resolveEnv(options.workerEnv));
      if (stopped) return;
      if (options.receiver) {
        const next = await startTestReceiver(server.address, resolveEnv(options.receiverEnv), { logger: options.receiverLogger });
        receiver = next;
        defer(async () => {
          receiver = undefined;
          await next.close(options.receiverCloseGraceMs);
        });
      }
      if (stopped) return;
      if (options.client) {
        const next = await temporalClient(server.address, options.clientEnv);
        client = next;
        defer(async () => {
          client = undefined;
          await next.close();
        });
      }
    } catch (error) {
      // Stop what did start now: the afterAll may never come (a timeout) and processes must not stay.
      await stopAll().catch((stopError: unknown) => console.error('useStack: stopping after a failed start failed too', stopError));
      throw error;
    }
  }, timeout);

  afterAll(stopAll, timeout);

  function part<T>(name: 'temporal' | 'worker' | 'receiver' | 'client', value: T | undefined, asked: boolean): T {
    if (value !== undefined) return value;
    if (!asked) throw new Error(`useStack: this stack has no ${name}; ask for one with useStack({ ${name}: true })`);
    const why = !started
      ? "its beforeAll has not run yet (use the stack's parts inside hooks and tests, not while the file is being collected)"
      : stopped
        ? 'its start failed (see the beforeAll error) or its afterAll has stopped it'
        : 'it is still starting or its start failed (see the beforeAll error)';
    throw new Error(`useStack: the ${name} is not running: ${why}`);
  }

  const stack: Stack = {
    get temporal() {
      return part('temporal', temporal, true);
    },
    get worker() {
      return part('worker', worker, options.worker === true);
    },
    get receiver() {
      return part('receiver', receiver, options.receiver === true);
    },
    get client() {
      return part('client', client?.client, options.client === true);
    },
    defer,
    async restartWorker(env?: Env) {
      const current = worker;
      if (current !== undefined) {
        worker = undefined;
        await current.stop();
      }
      return startWorkerPart(env ?? resolveEnv(options.workerEnv));
    },
    async restartTemporal() {
      const current = stack.temporal;
      if (stillRunning(current)) await current.stop();
      temporal = await startTemporal(temporalOptions);
      return temporal;
    },
  };
  return stack;
}
