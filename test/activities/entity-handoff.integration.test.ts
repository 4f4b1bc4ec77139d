import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { DEFAULT_ENTITY_SETTINGS } from '../../src/domain/settings';
import { useStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

// A worker told to stop (a deploy's SIGTERM) must stop even while a hand-off waits on an entity's
// Update: the hand-off's Temporal call follows the activity's cancellation. Before, it ignored it
// and the worker waited on the Update's long poll indefinitely (seen as a 60 s hook timeout in CI).

const QUEUE = 'handoff-shutdown-test';
const stack = useStack();

it('a draining worker cancels a hand-off that waits on an Update and stops within its grace time', async () => {
  const clientConnection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection: clientConnection });
  const connection = await NativeConnection.connect({ address: stack.temporal.address });
  // The entity's task queue has no worker: the Update is accepted by no one and never answered.
  const activities = createActivities({
    client,
    taskQueue: `${QUEUE}-nobody-polls`,
    settings: DEFAULT_ENTITY_SETTINGS,
    osigu: undefined,
    notifyProvider: () => Promise.resolve({ delivered: false }),
  });
  const worker = await Worker.create({
    connection,
    taskQueue: QUEUE,
    workflowsPath: require.resolve('./handoff-workflow'),
    activities,
    shutdownGraceTime: '2s',
  });
  const running = worker.run();
  let stopped = false;
  try {
    const resourceId = `auth_SHUT${Date.now().toString(36).toUpperCase()}`;
    const handle = await client.workflow.start('handOffOnce', {
      taskQueue: QUEUE,
      workflowId: `handoff-shutdown-${resourceId}`,
      args: [resourceId],
    });
    await waitFor('the hand-off in flight', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((activity) => activity.activityType?.name === 'forwardEvent' && Number(activity.state) === 2) ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    worker.shutdown();
    // Not a timing claim: a bound on "never", far past the 2 s grace time, so a hung shutdown fails
    // here instead of hanging the suite.
    stopped = await Promise.race([running.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 30_000))]);
    expect(stopped).toBe(true);
    // The hand-off ended (cancelled by the drain, reported as its attempt's failure), not abandoned.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(
      events.some((event) => event.activityTaskFailedEventAttributes !== undefined && event.activityTaskFailedEventAttributes !== null),
    ).toBe(true);
  } finally {
    await clientConnection.close();
    // A worker that never stopped still holds the connection; the server's stop ends both.
    if (stopped) await connection.close();
  }
}, 90_000);
