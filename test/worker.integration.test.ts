// The worker process's shape, end to end: event workflows on the events' queue hand off with a
// local activity (one workflow task, no activity task), entities run on a queue of their own, and
// stopping drains the events first, so a hand-off in flight still gets its entity's answer.
import { temporal } from '@temporalio/proto';
import { HANDOFF_LOCAL_ACTIVITY_PATCH } from '../src/workflows/handle-event';
import { deliver, storyEvent } from './support/delivery';
import { TASK_QUEUE, useStack } from './support/stack';

const { EventType } = temporal.api.enums.v1;
const stack = useStack({ worker: true, receiver: true, client: true });

it('hands an event off in its one workflow task, to an entity on the entities’ queue', async () => {
  const event = storyEvent('dispensing.started', { dispensation_id: `dsp_WRK${Date.now().toString(36).toUpperCase()}` });
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event))).status).toBe(200);
  const handle = stack.client.workflow.getHandle(String(event.event_id));
  expect(await handle.result()).toMatchObject({ outcome: 'forwarded', entityOutcome: 'applied' });

  const events = (await handle.fetchHistory()).events ?? [];
  const count = (type: temporal.api.enums.v1.EventType): number => events.filter((item) => item.eventType === type).length;
  expect(count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
  const markers = events.flatMap((item) =>
    item.markerRecordedEventAttributes?.markerName ? [item.markerRecordedEventAttributes.markerName] : [],
  );
  expect(markers).toEqual(['core_patch', 'core_local_activity']);
  const patch = events.find((item) => item.markerRecordedEventAttributes?.markerName === 'core_patch')?.markerRecordedEventAttributes;
  const patchData = patch?.details?.['patch-data']?.payloads?.[0]?.data;
  expect(JSON.parse(Buffer.from(patchData ?? []).toString('utf8'))).toMatchObject({ id: HANDOFF_LOCAL_ACTIVITY_PATCH });

  const entity = await stack.client.workflow
    .getHandle(`dispensation:${String((event.data as { dispensation_id: string }).dispensation_id)}`)
    .describe();
  expect(entity.taskQueue).toBe(`${TASK_QUEUE}-entities`);
  expect((await handle.describe()).taskQueue).toBe(TASK_QUEUE);
});

it('stops with hand-offs in flight: the events drain first, so their hand-offs get the entities’ answers, and nothing is lost', async () => {
  const sent = Array.from({ length: 20 }, (_, index) =>
    storyEvent('dispensing.started', { dispensation_id: `dsp_DRAIN${index}${Date.now().toString(36).toUpperCase()}` }),
  );
  await Promise.all(
    sent.map(async (event) => expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(event))).status).toBe(200)),
  );
  // Both workers stopping at once left hand-offs waiting for entities nobody ran any more: each
  // timed out and was tried again, its event's workflow task held open (heartbeated) meanwhile,
  // and the stop waited a minute for them. Drained in order, each hand-off that started gets its
  // answer at once: its marker says attempt 1, recorded with the event's first completed workflow task (a command
  // follows the completion that carries it).
  await stack.worker.stop();
  await stack.restartWorker();
  for (const event of sent) {
    const handle = stack.client.workflow.getHandle(String(event.event_id));
    expect(await handle.result()).toMatchObject({ outcome: 'forwarded' });
    const events = (await handle.fetchHistory()).events ?? [];
    const marker = events.findIndex((item) => item.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    const data = events[marker]?.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    const { attempt } = JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { attempt?: number };
    const tasksBefore = events.slice(0, marker).filter((item) => item.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
    expect({ eventId: event.event_id, attempt, tasksBefore }).toEqual({ eventId: event.event_id, attempt: 1, tasksBefore: 1 });
  }
}, 120_000);
