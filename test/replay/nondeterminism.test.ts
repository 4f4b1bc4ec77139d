import { loadCorpus, replayAll } from './corpus';

// The corpus can fail: the same authorization entity histories, replayed against a build whose
// entity workflow sleeps before doing anything else (one command more, at the top), must each be
// refused as non-deterministic, naming the command that no longer matches.

it('an entity workflow with a command added at its top does not replay its recorded histories', async () => {
  const entities = loadCorpus().filter((entry) => entry.workflowType === 'authorizationEntityWorkflow');
  expect(entities.length).toBeGreaterThan(0);
  const failures = await replayAll(entities, require.resolve('./changed-workflows/one-more-timer'));
  expect(failures.map((failure) => failure.file)).toEqual(entities.map((entry) => entry.file));
  for (const failure of failures) expect(failure.error).toMatch(/DeterminismViolation|Nondeterminism/i);
}, 300_000);
