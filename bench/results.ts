/** The shape of results.json (schema osigu-webhooks.bench/v1). */
import type { MachineInfo } from './machine';
import type { LatencySummary } from './measure/latency';
import type { Usage } from './measure/process-usage';
import type { LoadSpec } from './load/pacer';
import type { BenchOptions } from './options';
import type { ExactlyOnceResult } from './temporal/exactly-once';

export interface StepResult {
  /** "100/s", or "max (16 conn.)". */
  label: string;
  load: LoadSpec;
  generator: string;
  /** From the first send to the last answer. */
  durationSeconds: number;
  sent: number;
  answered: number;
  acknowledged: number;
  /** Acknowledged events per second. */
  throughputPerSecond: number;
  /** It took the load: at a fixed rate ≥ 99 % of what was sent acknowledged and ≥ 90 % of the rate; in a closed loop ≥ 99 % of the answers. */
  keptUp: boolean;
  /** Over acknowledged answers. */
  latencyMs: LatencySummary;
  /** Every answer by status (or, for a bare start, by outcome). */
  outcomes: Record<string, number>;
  /** The outcomes that did not acknowledge: non-2xx statuses, timeouts, connection errors, start errors. */
  errors: Record<string, number>;
  /** Fixed rates: how late sends left against the schedule. */
  scheduleLagMs?: LatencySummary;
  /** By role: receiver, worker, temporal, postgres (CPU only), generator (the harness). */
  usage: Record<string, Usage>;
  /** All cores, everything on the machine. */
  machineBusyPercent: number;
  /** Tasks still waiting for a worker when the step ended. */
  backlogAfter?: number;
  /**
   * Fixed rates with a worker: seconds from the step's end until no task waited and every event of
   * the step had been handed to its entity (its event workflow closed); null when that took longer
   * than --catch-up. The rate is sustained when the step kept up and this is not null.
   */
  caughtUpSeconds?: number | null;
  /** How long the run waited for the servers to go quiet before the step. */
  settledBeforeSeconds: number;
  eventIdPrefix: string;
  exactlyOnce?: ExactlyOnceResult;
}

export interface VariantResult {
  id: string;
  number: string;
  title: string;
  summary: string;
  backend?: string;
  info: Record<string, string>;
  steps: StepResult[];
  /** A failure part-way (the steps before it are kept). */
  error?: string;
}

export interface SkippedVariant {
  id: string;
  number: string;
  title: string;
  reason: string;
}

export interface ScalingResult {
  receivers: number;
  workers: number;
  info: Record<string, string>;
  step?: StepResult;
  error?: string;
}

export interface Ratio {
  backend: string;
  load: string;
  receiverP99: number;
  bareStartP99: number;
  ratio: number;
  /** Both kept up with the load; otherwise the ratio compares two queues. */
  comparable: boolean;
}

export interface ThroughputComparison {
  id: string;
  number: string;
  title: string;
  perSecond: number;
  vsInsertBaseline?: number;
  vsVerifyOnly?: number;
  vsBareStart?: number;
}

export interface Goal {
  goal: string;
  measured: string;
  /** undefined: not measured in this run. */
  met: boolean | undefined;
}

export interface Analysis {
  p99VsBareStart: Ratio[];
  throughputAtMaximum: ThroughputComparison[];
  scaling: { receivers: number; workers: number; perSecond: number; vsOneByOne?: number }[];
  goals: Goal[];
}

export interface BenchResults {
  schema: 'osigu-webhooks.bench/v1';
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  command: string;
  options: Omit<BenchOptions, 'argv'>;
  machine: MachineInfo;
  variants: VariantResult[];
  skipped: SkippedVariant[];
  scaling: ScalingResult[];
  /** The scaling section was not run, and why. */
  scalingSkipped?: string;
  analysis: Analysis;
  /** Every acknowledged event found exactly once wherever it was checked. */
  exactlyOnceOk: boolean;
}
