// npm run replay:record [-- <jest path patterns>]: re-records the replay corpus on purpose.
// Runs the integration suites (real dev server, worker, receiver, signed requests) with the
// recorder on, so the corpus holds every path those suites drive; then names what it holds.
// Old histories are kept unless --fresh is given: they stand for workflows still running.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { CORPUS_DIR, loadCorpus } from './corpus';
import { REPLAY_RECORD_DIR } from './recorder';

const args = process.argv.slice(2);
const fresh = args.includes('--fresh');
const patterns = args.filter((arg) => arg !== '--fresh');
if (fresh) rmSync(CORPUS_DIR, { recursive: true, force: true });

const before = safeCount();
const jest = spawnSync('npx', ['jest', '--forceExit', ...(patterns.length > 0 ? patterns : ['integration'])], {
  stdio: 'inherit',
  env: { ...process.env, [REPLAY_RECORD_DIR]: CORPUS_DIR },
});

const corpus = loadCorpus();
const byType = new Map<string, number>();
for (const entry of corpus) byType.set(entry.workflowType, (byType.get(entry.workflowType) ?? 0) + 1);
console.log(`replay corpus: ${corpus.length} histories (${corpus.length - before} new) in ${CORPUS_DIR}`);
for (const [type, count] of [...byType].sort()) console.log(`  ${type}: ${count}`);
if (jest.status !== 0) {
  console.error('some suites failed while recording: review before committing the corpus');
  process.exitCode = 1;
}

function safeCount(): number {
  try {
    return loadCorpus().length;
  } catch {
    return 0;
  }
}
