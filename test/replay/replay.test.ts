import * as workflows from '../../src/workflows';
import { loadCorpus, replayAll } from './corpus';

// Every recorded history replays against the workflow code as it is now. A failure here means a
// deploy would break running workflows of that type: put the change behind patched() or a new
// workflow type (CONTRIBUTING.md, "Changing workflow code"), never re-record to make this pass.

const corpus = loadCorpus();

it('every workflow type the worker registers has recorded histories', () => {
  const registered = Object.entries(workflows)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();
  const recorded = new Set(corpus.map((entry) => entry.workflowType));
  // A new workflow type joins the corpus (npm run replay:record) in the change that adds it.
  expect(registered.filter((name) => !recorded.has(name))).toEqual([]);
});

it('every recorded history replays against the current workflow code', async () => {
  const failures = await replayAll(corpus, require.resolve('../../src/workflows'));
  expect(failures).toEqual([]);
}, 300_000);
