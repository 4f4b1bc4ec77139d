import { temporal as proto } from '@temporalio/proto';
import type { AuthorizationView } from '../../src/workflows/authorization-entity';
import { deliver, storyEvent } from '../support/delivery';
import { startWorker, useStack, type RunningWorker } from '../support/stack';
import { waitFor } from '../support/wait-for';

// Worker Versioning on the dev server, as the README's rollout describes it: a build is started,
// made current, an event goes through; a second build is started and made current, the first is
// drained; the running entity moves to the new build (AUTO_UPGRADE) while each event workflow
// stays on the build that started it (PINNED).

const DEPLOYMENT = 'osigu-webhooks-test';
const Behavior = proto.api.enums.v1.VersioningBehavior;

const stack = useStack({ receiver: true, client: true });
// Two builds run at once here: the workers are this file's own, stopped before the stack's parts.
const workers: RunningWorker[] = [];

beforeAll(() => {
  stack.defer(async () => {
    for (const worker of workers) await worker.stop().catch(() => undefined);
  });
});

const startBuild = async (buildId: string): Promise<RunningWorker> => {
  const worker = await startWorker(stack.temporal.address, {
    TEMPORAL_WORKER_DEPLOYMENT: DEPLOYMENT,
    TEMPORAL_WORKER_BUILD_ID: buildId,
    ENTITY_QUIET_PERIOD: '1h',
  });
  workers.push(worker);
  return worker;
};

/** `temporal worker deployment set-current-version`, through the same API; the version exists once its worker has polled. */
const makeCurrent = (buildId: string) =>
  waitFor(`${buildId} current`, async () => {
    await stack.client.workflowService.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: DEPLOYMENT,
      buildId,
      identity: 'worker-versioning test',
    });
    return true;
  });

const versioning = async (workflowId: string) => {
  const info = (await stack.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: info?.behavior, buildId: info?.deploymentVersion?.buildId };
};

it('event workflows stay on the build that started them; entities move to the current build', async () => {
  const first = await startBuild('build-1');
  await makeCurrent('build-1');

  const authorizationId = `auth_VER${Date.now().toString(36).toUpperCase()}`;
  const created = storyEvent('authorization.created', { authorization_id: authorizationId }, { created_at: '2026-11-25T12:00:00Z' });
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(created))).status).toBe(200);
  await stack.client.workflow.getHandle(String(created.event_id)).result();
  const entityId = `authorization:${authorizationId}`;
  await waitFor('the entity holds the first event', async () =>
    (await stack.client.workflow.getHandle(entityId).query<AuthorizationView>('state')).eventIds.length === 1 ? true : undefined,
  );
  expect(await versioning(String(created.event_id))).toEqual({ behavior: Behavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'build-1' });
  expect(await versioning(entityId)).toEqual({ behavior: Behavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, buildId: 'build-1' });

  // The rollout: the new build polls, becomes current, the old one drains and stops.
  await startBuild('build-2');
  await makeCurrent('build-2');
  await first.stop();
  workers.splice(workers.indexOf(first), 1);

  const updated = storyEvent('authorization.updated', { authorization_id: authorizationId }, { created_at: '2026-11-25T12:05:00Z' });
  expect((await deliver(`${stack.receiver.origin}/osigu/webhooks`, JSON.stringify(updated))).status).toBe(200);
  await stack.client.workflow.getHandle(String(updated.event_id)).result();
  const view = await waitFor('the entity holds both events', async () => {
    const current = await stack.client.workflow.getHandle(entityId).query<AuthorizationView>('state');
    return current.eventIds.length === 2 ? current : undefined;
  });
  expect(view.eventIds).toEqual([created.event_id, updated.event_id]);
  expect(await versioning(String(updated.event_id))).toEqual({ behavior: Behavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'build-2' });
  expect(await versioning(entityId)).toEqual({ behavior: Behavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, buildId: 'build-2' });
  // The first event's workflow finished on build 1 and stays recorded there.
  expect((await versioning(String(created.event_id))).buildId).toBe('build-1');
});
