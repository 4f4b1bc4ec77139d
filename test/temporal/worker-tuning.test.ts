import { ResourceBasedController } from '@temporalio/worker';
import { describeWorkerTuning, SDK_DEFAULT_TUNING, workerTuningOptions, type WorkerTuning } from '../../src/temporal/worker-tuning';

describe('workerTuningOptions', () => {
  it("sets nothing for the SDK's defaults, so Worker.create applies its own", () => {
    expect(workerTuningOptions(SDK_DEFAULT_TUNING)).toEqual({});
    expect(describeWorkerTuning(SDK_DEFAULT_TUNING)).toBe('SDK defaults');
  });

  it('gives counted activity slots to local activities too (the hand-off is one)', () => {
    const tuning: WorkerTuning = { ...SDK_DEFAULT_TUNING, slots: { kind: 'fixed', workflowTasks: 8, activities: 20 } };
    expect(workerTuningOptions(tuning)).toEqual({
      maxConcurrentWorkflowTaskExecutions: 8,
      maxConcurrentActivityTaskExecutions: 20,
      maxConcurrentLocalActivityExecutions: 20,
    });
    expect(workerTuningOptions({ ...tuning, slots: { kind: 'fixed', workflowTasks: 8, activities: undefined } })).toEqual({
      maxConcurrentWorkflowTaskExecutions: 8,
    });
    expect(describeWorkerTuning(tuning)).toBe('8 workflow-task slots, 20 activity slots');
  });

  it('makes one controller for a resource-based tuning, for both workers to share', () => {
    const tuning: WorkerTuning = { ...SDK_DEFAULT_TUNING, slots: { kind: 'resource-based', targetCpuUsage: 0.7, targetMemoryUsage: 0.8 } };
    const options = workerTuningOptions(tuning);
    expect(Object.keys(options)).toEqual(['tuner']);
    expect(options.tuner).toEqual({ controller: expect.any(ResourceBasedController) as unknown });
    expect(describeWorkerTuning(tuning)).toBe('resource-based slots (CPU 0.7, memory 0.8)');
  });

  it('applies a poller setting to workflow and activity polls alike', () => {
    expect(workerTuningOptions({ ...SDK_DEFAULT_TUNING, pollers: { kind: 'maximum', maximum: 3 } })).toEqual({
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 3 },
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 3 },
    });
    const autoscaling: WorkerTuning = { ...SDK_DEFAULT_TUNING, pollers: { kind: 'autoscaling' }, maxCachedWorkflows: 0 };
    expect(workerTuningOptions(autoscaling)).toEqual({
      workflowTaskPollerBehavior: { type: 'autoscaling' },
      activityTaskPollerBehavior: { type: 'autoscaling' },
      maxCachedWorkflows: 0,
    });
    expect(describeWorkerTuning(autoscaling)).toBe('autoscaling pollers, 0 cached workflows');
  });
});
