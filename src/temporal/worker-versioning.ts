import type { WorkerDeploymentOptions } from '@temporalio/worker';

/**
 * Worker Versioning: which deployment and build a worker belongs to. Off unless
 * TEMPORAL_WORKER_DEPLOYMENT is set, because a versioned worker gets no task until its version
 * is made current (`temporal worker deployment set-current-version`, README "Deploying a new
 * build"), which a plain `npm run dev` or a first start should not have to know about.
 *
 * Each workflow type says how it moves between builds (src/workflows/versioned.ts, the module a versioned worker loads):
 * - event workflows are PINNED: they live minutes, so each finishes on the build that started it,
 *   and a change to them never meets an old history once the old build has drained;
 * - entity workflows AUTO_UPGRADE: they live for weeks and must move to the new build, which
 *   replays their history; `patched()` and the replay corpus (CONTRIBUTING.md) keep that safe.
 * The default for anything else is PINNED, the one that can never replay on code it did not run.
 */
export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

export function workerDeploymentOptions(version: WorkerVersion | undefined): { workerDeploymentOptions?: WorkerDeploymentOptions } {
  if (version === undefined) return {};
  return { workerDeploymentOptions: { useWorkerVersioning: true, version, defaultVersioningBehavior: 'PINNED' } };
}
