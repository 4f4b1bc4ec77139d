import type { CompiledEntries } from '../compile';
import type { ProcessSelector } from '../measure/process-usage';
import type { EventTemplate } from '../load/events';
import type { DriveResult, DriveSpec, Progress } from '../load/pacer';
import type { BenchOptions } from '../options';
import type { BackendKind, TemporalBackend } from '../temporal/backends';
import type { ExactlyOnceResult } from '../temporal/exactly-once';

/** What every variant gets from the run. */
export interface RunContext {
  root: string;
  workDir: string;
  logDir: string;
  options: BenchOptions;
  /** The signing secret every receiver is configured with. */
  secret: string;
  templates: EventTemplate[];
  /** The bench's own entry points, compiled: `node <entries.path(…)>` with `entries.env`. */
  entries: CompiledEntries;
  /** The Temporal CLI (found or built once); throws SkipVariant when there is none. */
  cliPath(): Promise<string>;
  /** Temporal on PostgreSQL, started once for the run; throws SkipVariant when it cannot be. */
  postgresTemporal(): Promise<TemporalBackend>;
  say(line: string): void;
}

export type StepRun = DriveResult & { eventIdPrefix: string };

/** A variant, running: what a step drives, what is measured, what is checked. */
export interface Target {
  run(spec: DriveSpec, tag: string, onProgress: (progress: Progress | string) => void): Promise<StepRun>;
  /** The processes measured, by role: receiver (always), worker, temporal, postgres, generator. */
  roles(): Record<string, ProcessSelector>;
  /** Every acknowledged event stored exactly once. */
  check?(prefix: string, acknowledged: readonly string[]): Promise<ExactlyOnceResult>;
  /** Tasks waiting for a worker. */
  backlog?(): Promise<number | undefined>;
  /** A step's event workflows still running (not yet handed to their entities), by event id prefix. */
  pending?(prefix: string): Promise<number | undefined>;
  /** Why the variant can no longer be measured (its Temporal exited), or undefined. */
  problem?(): string | undefined;
  /** Facts for the report (server version, pool size, …). */
  info: Record<string, string>;
  stop(): Promise<void>;
}

export interface VariantDefinition {
  /** Stable id in results.json. */
  id: string;
  /** The numbering: 1 to 5. */
  number: string;
  title: string;
  /** One sentence for the report: what runs and what it stands for. */
  summary: string;
  backend?: BackendKind;
  setup(ctx: RunContext): Promise<Target>;
}
