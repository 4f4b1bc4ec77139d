// The workflow code for a worker under Worker Versioning (src/temporal/worker-versioning.ts):
// the same workflows, each with the behaviour it has when moving between builds. Only a versioned
// worker loads this module: Temporal refuses a versioning behaviour from an unversioned worker.
import { setWorkflowOptions } from '@temporalio/workflow';
import * as workflows from './index';

export * from './index';

// Event workflows finish in minutes on the build that started them; entities live for weeks and
// move to each new build, which replays them: patched() and the replay corpus keep that safe
// (CONTRIBUTING.md).
const pinned = { versioningBehavior: 'PINNED' } as const;
const autoUpgrade = { versioningBehavior: 'AUTO_UPGRADE' } as const;
setWorkflowOptions(pinned, workflows.authorizationEventWorkflow);
setWorkflowOptions(pinned, workflows.dispensingEventWorkflow);
setWorkflowOptions(pinned, workflows.prescriptionEventWorkflow);
setWorkflowOptions(pinned, workflows.settlementEventWorkflow);
setWorkflowOptions(pinned, workflows.genericEventWorkflow);
setWorkflowOptions(autoUpgrade, workflows.authorizationEntityWorkflow);
setWorkflowOptions(autoUpgrade, workflows.dispensationEntityWorkflow);
setWorkflowOptions(autoUpgrade, workflows.prescriptionEntityWorkflow);
setWorkflowOptions(autoUpgrade, workflows.settlementEntityWorkflow);
