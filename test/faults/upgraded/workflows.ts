// The next build of the workflow code, for the upgrade drill (test/faults/survive.faults.ts):
// every entity workflow gains a command (a short timer before its first decision) behind
// patched(), the way CONTRIBUTING.md says such a change must ship. Entities that were already
// running replay without the marker and keep the old path; entities started by this build record
// the marker and take the new one.
import { patched, sleep } from '@temporalio/workflow';
import * as current from '../../../src/workflows';

export * from '../../../src/workflows';

export const UPGRADE_PATCH = 'upgrade-drill-settle-before-first-decision';

function upgraded<A extends unknown[], R>(entity: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    if (patched(UPGRADE_PATCH)) await sleep('10 milliseconds');
    return entity(...args);
  };
}

export const authorizationEntityWorkflow = upgraded(current.authorizationEntityWorkflow);
export const dispensationEntityWorkflow = upgraded(current.dispensationEntityWorkflow);
export const prescriptionEntityWorkflow = upgraded(current.prescriptionEntityWorkflow);
export const settlementEntityWorkflow = upgraded(current.settlementEntityWorkflow);
