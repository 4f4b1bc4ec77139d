import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { historyToJSON, type History } from './history-json';
import { temporal } from '@temporalio/proto';
import * as workflows from '../../src/workflows';

/**
 * Records the replay corpus from a test stack's Temporal just before it stops: every workflow
 * history in the namespace, kept once per distinct path (its workflow type and the set of
 * consecutive command pairs it went through), so the corpus covers each way a workflow can go
 * without a copy per test. Only histories recorded with payload encryption off are kept: the
 * corpus is fixture data in the clear, replayable with no key.
 *
 * `npm run replay:record` turns it on (REPLAY_RECORD_DIR); tests never record otherwise.
 */
export const REPLAY_RECORD_DIR = 'REPLAY_RECORD_DIR';

const EventType = temporal.api.enums.v1.EventType;
const PRODUCT_WORKFLOW_TYPES = new Set(Object.entries(workflows).flatMap(([name, value]) => (typeof value === 'function' ? [name] : [])));
const CLEAR = new Set(['json/plain', 'binary/null', 'json/protobuf', 'binary/plain']);

export async function recordHistories(address: string, dir: string, namespace = 'default'): Promise<number> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  let written = 0;
  try {
    mkdirSync(dir, { recursive: true });
    for await (const execution of client.workflow.list()) {
      // The product's workflow types only: a test's own helper workflows are not deployed.
      if (!PRODUCT_WORKFLOW_TYPES.has(execution.type)) continue;
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      if (!inTheClear(history) || !worthReplaying(history, execution.runId)) continue;
      const name = `${execution.type}-${pathSignature(history)}.json`;
      try {
        writeFileSync(path.join(dir, name), historyToJSON(history), { flag: 'wx' });
        written += 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } finally {
    await connection.close();
  }
  return written;
}

/** The commands and messages a history went through, as names (activity types, update names, markers). */
export function pathTokens(history: History): string[] {
  const tokens: string[] = [];
  for (const event of history.events ?? []) {
    const type = EventType[event.eventType ?? 0] ?? String(event.eventType);
    if (/WORKFLOW_TASK_(SCHEDULED|STARTED|COMPLETED)$/.test(type) || /ACTIVITY_TASK_STARTED$/.test(type)) continue;
    const name =
      event.activityTaskScheduledEventAttributes?.activityType?.name ??
      event.markerRecordedEventAttributes?.markerName ??
      event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
      event.workflowExecutionSignaledEventAttributes?.signalName ??
      undefined;
    tokens.push(name === undefined || name === null ? type : `${type}:${name}`);
  }
  return tokens;
}

function pathSignature(history: History): string {
  const tokens = pathTokens(history);
  const pairs = new Set(tokens.map((token, index) => `${tokens[index - 1] ?? 'START'}>${token}`));
  return createHash('sha256')
    .update([...pairs].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
}

/**
 * A history that says something to a replay: at least one workflow task completed (a run that
 * never got one emitted no command to compare), and not a reset run. A reset run's code knows it
 * is one from its run id (the `rerun` flag), which a replay cannot be given: the replayer takes
 * the run id from the history's first event, so it would replay the run as the original.
 */
export function worthReplaying(history: History, runId: string): boolean {
  const events = history.events ?? [];
  const original = events[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId;
  if (original !== undefined && original !== null && original !== '' && original !== runId) return false;
  return events.some((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
}

function inTheClear(history: History): boolean {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payloads = started?.input?.payloads ?? [];
  return payloads.every((payload) => CLEAR.has(Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString()));
}
