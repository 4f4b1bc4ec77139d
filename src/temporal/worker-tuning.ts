import { ResourceBasedController, type WorkerOptions } from '@temporalio/worker';

/**
 * How many tasks a worker takes at once, how it polls and how many workflows it keeps in memory:
 * the WORKER_* settings (src/config.ts), each one unset meaning the SDK's default. The worker
 * process runs two workers (src/worker.ts), and each setting applies to each of them.
 *
 * Slots are either counted or resource-based, never both (the SDK refuses the mix):
 * - `sdk-default`: 40 workflow tasks, 100 activities and 100 local activities per worker;
 * - `fixed`: those counts as given (unset ones keep the default);
 * - `resource-based`: the SDK's tuner grants a slot only while the machine's CPU and memory stay
 *   under target, one controller shared by both workers so that they aim at one target together.
 *   It measures the whole machine, so where Temporal shares it (npm run dev, the bench) the
 *   target is always exceeded and the worker sits at its minimum slots: measured worse than a
 *   small fixed count there (README, "Worker tuning: measured").
 */
export type WorkerSlots =
  | { kind: 'sdk-default' }
  | { kind: 'fixed'; workflowTasks: number | undefined; activities: number | undefined }
  | { kind: 'resource-based'; targetCpuUsage: number; targetMemoryUsage: number };

/** Long polls open per worker and task kind: at most N, or scaled by the server's feedback. */
export type WorkerPollers = { kind: 'sdk-default' } | { kind: 'maximum'; maximum: number } | { kind: 'autoscaling' };

export interface WorkerTuning {
  slots: WorkerSlots;
  pollers: WorkerPollers;
  /** Workflows kept in memory for sticky execution; undefined: the SDK's, sized from the heap. */
  maxCachedWorkflows: number | undefined;
}

export const SDK_DEFAULT_TUNING: WorkerTuning = {
  slots: { kind: 'sdk-default' },
  pollers: { kind: 'sdk-default' },
  maxCachedWorkflows: undefined,
};

export type WorkerTuningOptions = Pick<
  WorkerOptions,
  | 'tuner'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
  | 'maxCachedWorkflows'
>;

/**
 * The Worker.create options for a tuning. Call it once per process and give the result to every
 * worker: a resource-based tuning creates its controller here, and the workers share it.
 */
export function workerTuningOptions(tuning: WorkerTuning): WorkerTuningOptions {
  return {
    ...slotOptions(tuning.slots),
    ...pollerOptions(tuning.pollers),
    ...(tuning.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: tuning.maxCachedWorkflows }),
  };
}

function slotOptions(slots: WorkerSlots): WorkerTuningOptions {
  switch (slots.kind) {
    case 'sdk-default':
      return {};
    case 'fixed':
      return {
        ...(slots.workflowTasks === undefined ? {} : { maxConcurrentWorkflowTaskExecutions: slots.workflowTasks }),
        // The hand-off is a local activity: one count for both kinds of activity.
        ...(slots.activities === undefined
          ? {}
          : { maxConcurrentActivityTaskExecutions: slots.activities, maxConcurrentLocalActivityExecutions: slots.activities }),
      };
    case 'resource-based': {
      const controller = ResourceBasedController.create({
        targetCpuUsage: slots.targetCpuUsage,
        targetMemoryUsage: slots.targetMemoryUsage,
      });
      return { tuner: { controller } };
    }
  }
}

function pollerOptions(pollers: WorkerPollers): WorkerTuningOptions {
  switch (pollers.kind) {
    case 'sdk-default':
      return {};
    case 'maximum': {
      const behavior = { type: 'simple-maximum', maximum: pollers.maximum } as const;
      return { workflowTaskPollerBehavior: behavior, activityTaskPollerBehavior: behavior };
    }
    case 'autoscaling':
      return { workflowTaskPollerBehavior: { type: 'autoscaling' }, activityTaskPollerBehavior: { type: 'autoscaling' } };
  }
}

/** One line for the worker's start log and the bench report: what differs from the SDK's defaults. */
export function describeWorkerTuning(tuning: WorkerTuning): string {
  const parts: string[] = [];
  const { slots, pollers } = tuning;
  if (slots.kind === 'fixed') {
    if (slots.workflowTasks !== undefined) parts.push(`${slots.workflowTasks} workflow-task slots`);
    if (slots.activities !== undefined) parts.push(`${slots.activities} activity slots`);
  } else if (slots.kind === 'resource-based') {
    parts.push(`resource-based slots (CPU ${slots.targetCpuUsage}, memory ${slots.targetMemoryUsage})`);
  }
  if (pollers.kind === 'maximum') parts.push(`at most ${pollers.maximum} pollers`);
  else if (pollers.kind === 'autoscaling') parts.push('autoscaling pollers');
  if (tuning.maxCachedWorkflows !== undefined) parts.push(`${tuning.maxCachedWorkflows} cached workflows`);
  return parts.length === 0 ? 'SDK defaults' : parts.join(', ');
}
