import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/dev-server';
import { fromEvent } from '../../simulator/delivery/outgoing-event';
import { createProgress } from '../../simulator/delivery/progress';
import { summarize } from '../../simulator/delivery/report';
import { runDeliveries, type RunResult } from '../../simulator/delivery/run';
import { generateStories } from '../../simulator/events/generate';
import { createRandom } from '../../simulator/events/random';
import { runScenario } from '../../simulator/scenarios/run-scenario';
import { scenarioNames } from '../../simulator/scenarios/scenario';
import { TEST_SECRET } from '../support/delivery';
import { runsOf, temporalClient, useStack } from '../support/stack';

let dir: string;
const stack = useStack({
  before: (defer) => {
    dir = mkdtempSync(path.join(tmpdir(), 'osigu-send-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
  },
  // File-backed, on a fixed port: the server that comes back after the outage is the same one.
  temporal: async () => ({ port: await freePort(), dbFile: path.join(dir, 'temporal.db') }),
  worker: true,
  receiver: true,
  receiverEnv: { TEMPORAL_START_TIMEOUT_MS: '1500' },
});
let url: string;

beforeAll(() => {
  url = `${stack.receiver.origin}/osigu/webhooks`;
});

/** Every event id of the run has exactly one workflow run, and it completed. */
async function expectEachProcessedOnce(result: RunResult): Promise<void> {
  const { client, close } = await temporalClient(stack.temporal.address);
  try {
    for (const eventId of new Set(result.records.map((record) => record.eventId))) {
      const handle = client.workflow.getHandle(eventId);
      expect(await handle.result()).toMatchObject({ eventId });
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(await runsOf(client, eventId)).toHaveLength(1);
    }
  } finally {
    await close();
  }
}

describe('osigu send against the real receiver and worker', () => {
  it.each(scenarioNames().map((name, index) => [name, index + 1] as const))(
    'scenario %s: every event is processed exactly once',
    async (name, seed) => {
      const result = await runScenario(name, { url, secrets: TEST_SECRET, seed, freshIds: true, timeScale: 3600 });
      const report = summarize(result);
      expect(report.delivered).toBe(report.events);
      expect(report.abandoned).toEqual([]);
      await expectEachProcessedOnce(result);
    },
  );

  it('carries shuffled stories with concurrent duplicates through a Temporal outage, on the time-scaled schedule', async () => {
    const seed = 2026;
    const lanes = generateStories(createRandom(seed), 40).map((story) => story.map((event) => ({ event: fromEvent(event) })));
    const events = lanes.flat().length;
    const progress = createProgress();
    const running = runDeliveries(lanes, {
      url,
      secrets: TEST_SECRET,
      seed: seed + 1, // the shuffle's seed, independent of the stories'
      shuffle: true,
      duplicates: 1,
      concurrentDuplicates: true,
      concurrency: 2,
      // 72 h in 72 s: retries at 17 ms, 100 ms, 350 ms, 850 ms, 1.85 s, 3.85 s, then every 4 s.
      timeScale: 3600,
      progress,
    });

    while (progress.acknowledged < 6) await sleep(5);
    await stack.temporal.stop();
    expect(progress.acknowledged).toBeLessThan(progress.total);
    await sleep(3_000);
    await stack.restartTemporal();

    const result = await running;
    const report = summarize(result);
    expect(report.events).toBe(events);
    expect(report.deliveries).toBe(2 * events);
    expect(report.delivered).toBe(events);
    expect(report.abandoned).toEqual([]);
    expect(report.retried.events).toBeGreaterThanOrEqual(1);
    expect(report.failed.byStatus['503']).toBeGreaterThanOrEqual(1);
    await expectEachProcessedOnce(result);
  }, 180_000);
});
