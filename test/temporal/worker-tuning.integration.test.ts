// The WORKER_* settings reach the workers, and the workflows keep their promises under the
// harshest of them: a cache of 2 evicts entities between their tasks, so each task replays its
// history, and resource-based slots with autoscaling pollers hand out work as the machine allows.
import { deliver, storyEvent } from '../support/delivery';
import { useStack } from '../support/stack';

const stack = useStack({
  worker: true,
  receiver: true,
  client: true,
  workerEnv: { WORKER_TARGET_CPU_USAGE: '0.9', WORKER_POLLERS: 'autoscaling', WORKER_MAX_CACHED_WORKFLOWS: '2' },
});

it('configures the workers as WORKER_* says', () => {
  const { options } = stack.worker.worker;
  expect(options.maxCachedWorkflows).toBe(2);
  // Compiled: every kind of slot resource-based, under the one controller workerTuningOptions made.
  expect(options.tuner).toMatchObject({
    workflowTaskSlotSupplier: { type: 'resource-based' },
    activityTaskSlotSupplier: { type: 'resource-based' },
    localActivityTaskSlotSupplier: { type: 'resource-based' },
    resourceBasedTunerConfig: { type: 'controller' },
  });
  expect(options.workflowTaskPollerBehavior).toMatchObject({ type: 'autoscaling' });
  expect(options.activityTaskPollerBehavior).toMatchObject({ type: 'autoscaling' });
});

it('hands every event to its entity with entities evicted between tasks', async () => {
  const stamp = Date.now().toString(36).toUpperCase();
  // Three events for each of four dispensations: more entities than the cache holds.
  const sent = Array.from({ length: 12 }, (_, index) =>
    storyEvent('dispensing.started', { dispensation_id: `dsp_TUNE${index % 4}${stamp}` }),
  );
  await Promise.all(
    sent.map(async (event) => expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event))).status).toBe(200)),
  );
  for (const event of sent) {
    const result: unknown = await stack.client.workflow.getHandle(String(event.event_id)).result();
    expect({ eventId: event.event_id, result }).toMatchObject({ eventId: event.event_id, result: { outcome: 'forwarded' } });
  }
}, 120_000);
