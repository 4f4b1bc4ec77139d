// The ops CLI on a developer's machine, as a newcomer meets it: a stack that encrypts payloads like
// `npm run dev` does, and an operator who exported nothing. The CLI must find the dev stack's
// settings by itself, and a listing it could not read must never be reported as empty.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT, runCli } from '../../src/ops/cli';
import { connectOps } from '../../src/ops/connect';
import { DEV_KEYS_FILE, writeDevStack } from '../../src/ops/dev-stack';
import { useStack } from '../support/stack';
import { playDiscrepancyStory, type Story } from './story';

const KEYS = `dev-1:${randomBytes(32).toString('base64')}`;

const stack = useStack({
  worker: true,
  workerEnv: { PAYLOAD_ENCRYPTION_KEYS: KEYS },
  receiver: true,
  receiverEnv: { PAYLOAD_ENCRYPTION_KEYS: KEYS },
  client: true,
  clientEnv: { PAYLOAD_ENCRYPTION_KEYS: KEYS },
});
let story: Story;
let root: string;

beforeAll(async () => {
  story = await playDiscrepancyStory(`${stack.receiver.origin}/osigu/webhooks`, stack.client);
  // A project root laid out as `npm run dev` leaves it: its key file and its stack file.
  root = mkdtempSync(path.join(tmpdir(), 'ops-dev-stack-'));
  stack.defer(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.dirname(path.join(root, DEV_KEYS_FILE)), { recursive: true });
  writeFileSync(path.join(root, DEV_KEYS_FILE), `${KEYS}\n`);
}, 120_000);

async function ops(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    connect: (given, notice) => connectOps(given, notice, root),
  });
  return { code, stdout, stderr };
}

it('with nothing exported, uses the running dev stack (address and payload key), says so, and lists the discrepancy', async () => {
  writeDevStack(root, {
    address: stack.temporal.address,
    namespace: stack.temporal.namespace,
    payloadEncryptionKeysFile: path.join(root, DEV_KEYS_FILE),
    pid: process.pid,
  });
  const run = await ops({}, 'discrepancies');
  expect(run.stderr).toContain(
    `using npm run dev's stack (Temporal ${stack.temporal.address}, namespace ${stack.temporal.namespace}, the payload key in ${DEV_KEYS_FILE})`,
  );
  expect(run.stderr).not.toContain(KEYS.split(':')[1]);
  expect(run.stdout).toContain(story.dispensationId);
  expect(run.code).toBe(EXIT.ok);
});

it('never reports "none" for a listing it could not read: it counts the unreadable entities and exits 2', async () => {
  // The operator chose this Temporal but not its keys: every flagged entity is unreadable.
  const run = await ops({ TEMPORAL_ADDRESS: stack.temporal.address }, 'discrepancies');
  expect(run.stdout).not.toContain('No open discrepancies.\n');
  expect(run.stdout).toMatch(/INCOMPLETE: \d+ flagged entit(y|ies) could not be read/);
  expect(run.stderr).toContain(`dispensation:${story.dispensationId}`);
  expect(run.stderr).toContain('encrypted');
  expect(run.code).toBe(EXIT.incomplete);

  const asJson = await ops({ TEMPORAL_ADDRESS: stack.temporal.address }, 'discrepancies', '--json');
  expect(asJson.code).toBe(EXIT.incomplete);
  expect((JSON.parse(asJson.stdout) as { unavailable: { workflowId: string }[] }).unavailable.map((item) => item.workflowId)).toContain(
    `dispensation:${story.dispensationId}`,
  );
});
