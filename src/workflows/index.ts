import { setWorkflowOptions } from '@temporalio/workflow';
import { authorizationEventWorkflow } from './authorization';
import { authorizationEntityWorkflow } from './authorization-entity';
import { dispensationEntityWorkflow } from './dispensation-entity';
import { dispensingEventWorkflow } from './dispensing';
import { genericEventWorkflow } from './generic';
import { prescriptionEventWorkflow } from './prescription';
import { prescriptionEntityWorkflow } from './prescription-entity';
import { settlementEventWorkflow } from './settlement';
import { settlementEntityWorkflow } from './settlement-entity';

export {
  authorizationEventWorkflow,
  dispensingEventWorkflow,
  prescriptionEventWorkflow,
  settlementEventWorkflow,
  genericEventWorkflow,
  authorizationEntityWorkflow,
  dispensationEntityWorkflow,
  prescriptionEntityWorkflow,
  settlementEntityWorkflow,
};

// How each type moves between builds under Worker Versioning (src/temporal/worker-versioning.ts;
// ignored when it is off). Event workflows finish in minutes on the build that started them;
// entities live for weeks and move to each new build, which replays them: patched() and the replay
// corpus keep that safe (CONTRIBUTING.md).
const pinned = { versioningBehavior: 'PINNED' } as const;
const autoUpgrade = { versioningBehavior: 'AUTO_UPGRADE' } as const;
setWorkflowOptions(pinned, authorizationEventWorkflow);
setWorkflowOptions(pinned, dispensingEventWorkflow);
setWorkflowOptions(pinned, prescriptionEventWorkflow);
setWorkflowOptions(pinned, settlementEventWorkflow);
setWorkflowOptions(pinned, genericEventWorkflow);
setWorkflowOptions(autoUpgrade, authorizationEntityWorkflow);
setWorkflowOptions(autoUpgrade, dispensationEntityWorkflow);
setWorkflowOptions(autoUpgrade, prescriptionEntityWorkflow);
setWorkflowOptions(autoUpgrade, settlementEntityWorkflow);
