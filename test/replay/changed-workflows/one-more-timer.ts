// A workflow build with a change that breaks running workflows: the authorization entity starts a
// timer before anything else. Used by test/replay/nondeterminism.test.ts only.
import { sleep } from '@temporalio/workflow';
import { authorizationEntityWorkflow as current } from '../../../src/workflows/authorization-entity';

export * from '../../../src/workflows';

export async function authorizationEntityWorkflow(...args: Parameters<typeof current>): ReturnType<typeof current> {
  await sleep('1 second');
  return current(...args);
}
