import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The layers' import rules in eslint.config.mjs, each shown to fire: every fixture line marked
// `// refused` must get an error from the rule, and every line marked `// allowed` none.

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(__dirname, 'fixtures');
const RULE = '@typescript-eslint/no-restricted-imports';

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; message: string }[];
}

const lint = (): LintResult[] => {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--no-ignore', '--format', 'json', FIXTURES],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (run.stdout.trim() === '') throw new Error(`eslint printed nothing: ${run.stderr}`);
  return JSON.parse(run.stdout) as LintResult[];
};

const results = lint();
const layers = readdirSync(path.join(FIXTURES, 'src'));

it.each(layers)('src/%s: each refused import is refused with a reason, each allowed one passes', (layer) => {
  const file = path.join(FIXTURES, 'src', layer, 'imports.ts');
  const result = results.find((candidate) => candidate.filePath === file);
  expect(result).toBeDefined();
  const lines = readFileSync(file, 'utf8').split('\n');
  const flagged = new Map(
    (result?.messages ?? []).filter((message) => message.ruleId === RULE).map((message) => [message.line, message.message]),
  );
  const expected = lines.flatMap((line, index) => (line.endsWith('// refused') ? [index + 1] : []));
  const allowed = lines.flatMap((line, index) => (line.endsWith('// allowed') ? [index + 1] : []));
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.filter((line) => !flagged.has(line)).map((line) => lines[line - 1])).toEqual([]);
  expect(allowed.filter((line) => flagged.has(line)).map((line) => `${lines[line - 1]}: ${flagged.get(line)}`)).toEqual([]);
  // A reason, not just a refusal: every message says what the layer is for.
  for (const message of flagged.values()) expect(message.length).toBeGreaterThan(40);
});
