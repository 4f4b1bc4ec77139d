import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, type DevServer } from '../../scripts/dev-server';
import { startOsiguApi, type OsiguApi } from '../../simulator/api/server';
import type { StateEvent } from '../../simulator/api/state';
import { TEST_SECRET } from '../support/delivery';
import { startTemporal, temporalClient } from '../support/stack';
import { startFrontDoor, type FrontDoor } from './front-door';
import { spawnReceiver, spawnWorker, type ChildService } from './processes';
import { startProviderRecorder, type ProviderRecorder } from './provider-recorder';

export const FAULTS_TASK_QUEUE = 'osigu-webhooks-faults';
export const PROVIDER_SECRET = 'whsec_provider_faults_0123456789';
const API_CLIENT = { clientId: 'faults-client', clientSecret: 'faults_client_secret_0123' };

/**
 * Worker settings that make the fault paths busy within seconds: a dispensation STARTED for 1 s
 * is looked up in Osigu's API, a prescription without an e-mail outcome for 3 s is flagged, and
 * an unanswered discrepancy is escalated once after 4 s. Each is another outbound notification.
 */
const WORKER_SETTINGS: Record<string, string> = {
  DISPENSATION_STALE_AFTER: '1s',
  PRESCRIPTION_OUTCOME_TIMEOUT: '3s',
  DISCREPANCY_ESCALATE_AFTER: '4s',
  DISCREPANCY_MAX_ESCALATIONS: '1',
  // Off: a worker's metrics port would collide with the restarted worker's, or another suite's.
  WORKER_METRICS_ADDRESS: '',
};

/**
 * Everything one fault scenario runs against, each piece real: a file-backed Temporal dev server
 * on a fixed port (so a restart is the same server), the worker and the receivers as child
 * processes, the stand-in Osigu API, the provider's endpoint, and a round-robin front door.
 */
export class FaultStack {
  private temporalServer!: DevServer;
  private workerProcess!: ChildService;
  private readonly receiverProcesses: ChildService[] = [];
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'osigu-faults-'));
  private temporalPort = 0;
  private readonly receiverPorts: number[] = [];
  api!: OsiguApi;
  provider!: ProviderRecorder;
  door!: FrontDoor;

  private constructor(private readonly receiverCount: number) {}

  static async start({ receivers = 1 }: { receivers?: number } = {}): Promise<FaultStack> {
    const stack = new FaultStack(receivers);
    try {
      await stack.boot();
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  private async boot(): Promise<void> {
    this.api = await startOsiguApi({
      clients: [API_CLIENT],
      webhookSecrets: TEST_SECRET,
      // Osigu's 50 a minute would be a fault of its own; these scenarios inject one at a time.
      apiRateLimit: { limit: 100_000, windowMs: 60_000 },
    });
    this.provider = await startProviderRecorder(PROVIDER_SECRET);
    this.temporalPort = await freePort();
    this.temporalServer = await startTemporal({ port: this.temporalPort, dbFile: path.join(this.dir, 'temporal.db') });
    this.workerProcess = await spawnWorker(this.workerEnv());
    for (let index = 0; index < this.receiverCount; index += 1) {
      this.receiverPorts.push(await freePort());
      this.receiverProcesses.push(await spawnReceiver(this.receiverEnv(index)));
    }
    this.door = await startFrontDoor({
      upstreams: this.receiverPorts.map((port) => `http://127.0.0.1:${port}/osigu/webhooks`),
      // Osigu's API knows an event from the moment Osigu sends it.
      onFirstSeen: (event) => {
        this.api.state.apply(event as unknown as StateEvent);
      },
    });
  }

  /** A receiver's own origin, past the front door (for traffic the door would buffer). */
  receiverOrigin(index: number): string {
    return `http://127.0.0.1:${this.receiverPorts[index] ?? 0}`;
  }

  receiverPid(index: number): number | undefined {
    return this.receiverProcesses[index]?.pid;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  private workerEnv(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: FAULTS_TASK_QUEUE,
      OSIGU_ENVIRONMENT: 'sandbox',
      OSIGU_API_BASE_URL: this.api.origin,
      OSIGU_CLIENT_ID: API_CLIENT.clientId,
      OSIGU_CLIENT_SECRET: API_CLIENT.clientSecret,
      PROVIDER_WEBHOOK_URL: this.provider.url,
      PROVIDER_WEBHOOK_SECRET: PROVIDER_SECRET,
      ...WORKER_SETTINGS,
    };
  }

  private receiverEnv(index: number): Record<string, string> {
    return {
      OSIGU_WEBHOOK_SECRET: TEST_SECRET,
      PORT: String(this.receiverPorts[index]),
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: FAULTS_TASK_QUEUE,
      OSIGU_ENVIRONMENT: 'sandbox',
      // The product's default (5 s, inside Osigu's 10 s), spelt out: while Temporal is down, each
      // attempt is answered 503 after it.
      TEMPORAL_START_TIMEOUT_MS: '5000',
    };
  }

  async killTemporal(): Promise<void> {
    await this.temporalServer.kill();
  }

  /** The same port and database file: the server Osigu's retries find is the one that crashed. */
  async restartTemporal(): Promise<void> {
    this.temporalServer = await startTemporal({ port: this.temporalPort, dbFile: path.join(this.dir, 'temporal.db') });
  }

  async killWorker(): Promise<void> {
    await this.workerProcess.kill();
  }

  async restartWorker(): Promise<void> {
    this.workerProcess = await spawnWorker(this.workerEnv());
  }

  /** SIGTERM: the worker drains its tasks and exits, as in a deploy. */
  async stopWorker(): Promise<void> {
    await this.workerProcess.stop();
  }

  /** The next build's worker (test/faults/upgraded): the same settings, changed workflow code. */
  async startUpgradedWorker(): Promise<void> {
    this.workerProcess = await spawnWorker(this.workerEnv(), 'test/faults/upgraded/worker.ts');
  }

  async killReceiver(index: number): Promise<void> {
    await this.receiverProcesses[index]?.kill();
  }

  async restartReceiver(index: number): Promise<void> {
    this.receiverProcesses[index] = await spawnReceiver(this.receiverEnv(index));
  }

  /** Our processes that died without being told to: always a finding. */
  crashes(): string[] {
    return [this.workerProcess, ...this.receiverProcesses]
      .filter((child) => child?.exitedUnexpectedly === true)
      .map((child) => `${child.name} exited on its own:\n${child.tail()}`);
  }

  async withClient<T>(task: (client: Awaited<ReturnType<typeof temporalClient>>['client']) => Promise<T>): Promise<T> {
    const { client, close } = await temporalClient(this.temporalAddress);
    try {
      return await task(client);
    } finally {
      await close();
    }
  }

  async close(): Promise<void> {
    await this.door?.close().catch(() => undefined);
    for (const receiver of this.receiverProcesses) await receiver.stop().catch(() => undefined);
    await this.workerProcess?.stop().catch(() => undefined);
    await this.temporalServer?.stop().catch(() => undefined);
    await this.provider?.close().catch(() => undefined);
    await this.api?.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
