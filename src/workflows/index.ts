export { authorizationEventWorkflow } from './authorization';
export { dispensingEventWorkflow } from './dispensing';
export { prescriptionEventWorkflow } from './prescription';
export { settlementEventWorkflow } from './settlement';
export { genericEventWorkflow } from './generic';
