import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnvelope } from '../../../src/osigu/envelope';
import { createRandom } from '../../../simulator/events/random';
import { loadFixture } from '../../../simulator/events/fixtures';
import { loadScenario, scenarioNames } from '../../../simulator/scenarios/scenario';
import { scenarioLanes } from '../../../simulator/scenarios/scenario-lanes';
import { setField } from '../../../simulator/scenarios/set-field';
import type { LaneItem } from '../../../simulator/delivery/run';
import { thrownBy } from '../events/thrown';

const parsed = (item: LaneItem) => {
  const result = parseEnvelope(item.event.body);
  if (!result.ok) throw new Error(result.detail);
  return result.event;
};

describe('scenarios', () => {
  it('are all valid, and every event they send passes the envelope check', () => {
    expect(scenarioNames()).toEqual(
      expect.arrayContaining([
        'duplicates',
        'happy-authorization',
        'happy-dispensing',
        'happy-prescription',
        'happy-settlement',
        'out-of-order',
      ]),
    );
    for (const name of scenarioNames()) {
      const scenario = loadScenario(name);
      expect(scenario.name).toBe(name);
      const lanes = scenarioLanes(scenario, { random: createRandom(1) });
      expect(lanes).toHaveLength(1);
      for (const item of lanes.flat()) expect(parsed(item).event_id).toBe(item.event.eventId);
    }
  });

  it('out-of-order sends completion before start, update before creation, and retries the old update after the void', () => {
    const [lane = []] = scenarioLanes(loadScenario('out-of-order'), { random: createRandom(1), freshIds: true });
    expect(lane.map((item) => item.event.eventType)).toEqual([
      'dispensing.completed',
      'dispensing.started',
      'authorization.updated',
      'authorization.created',
      'authorization.voided',
      'authorization.updated',
    ]);
    const ids = lane.map((item) => item.event.eventId);
    // Fresh ids, renamed consistently: the last step is the same event as the third.
    expect(ids[5]).toBe(ids[2]);
    expect(new Set(ids).size).toBe(5);
    expect(ids).not.toContain(loadFixture('authorization.updated').event.event_id);
    expect(Date.parse(parsed(lane[2] as LaneItem).created_at)).toBeLessThan(Date.parse(parsed(lane[4] as LaneItem).created_at));
  });

  it("send a fixture's bytes untouched unless the step changes the event", () => {
    const [lane = []] = scenarioLanes(loadScenario('happy-dispensing'), { random: createRandom(1) });
    expect(Buffer.from(lane[0]?.event.body ?? []).equals(loadFixture('authorization.created').bytes)).toBe(true);
  });

  it('apply `set`, `repeat`, `concurrent` and `delayMs`, and generate families or single types', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osigu-scenario-'));
    try {
      const file = path.join(dir, 'custom.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'custom',
          description: 'test',
          steps: [
            {
              fixture: 'dispensing.started',
              set: { 'data.products.0.quantity': 5, 'data.pharmacy.branch_id': 'branch_X', event_id: 'evt_custom' },
              repeat: 3,
              concurrent: true,
              delayMs: 50,
            },
            { generate: 'prescription', count: 2 },
            { generate: 'settlement.paid', count: 3, repeat: 2 },
          ],
        }),
      );
      const [lane = []] = scenarioLanes(loadScenario(file), { random: createRandom(1) });
      const first = lane[0] as LaneItem;
      expect(first).toMatchObject({ copies: 3, concurrent: true, delayMs: 50, event: { eventId: 'evt_custom' } });
      expect(parsed(first).data).toMatchObject({
        products: [{ product_code: 'MED-042', quantity: 5 }],
        pharmacy: { branch_id: 'branch_X' },
      });
      expect(lane.slice(1, 5).map((item) => item.event.eventType)).toEqual([
        'prescription.issued',
        expect.stringMatching(/^prescription\.email_/),
        'prescription.issued',
        expect.stringMatching(/^prescription\.email_/),
      ]);
      expect(lane.slice(5).map((item) => [item.event.eventType, item.copies])).toEqual([
        ['settlement.paid', 2],
        ['settlement.paid', 2],
        ['settlement.paid', 2],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('that are unknown or invalid are refused with a code', () => {
    const unknown = thrownBy(() => loadScenario('nope'));
    expect(unknown.code).toBe('scenario_not_found');
    expect(unknown.message).toContain('out-of-order');
    const dir = mkdtempSync(path.join(tmpdir(), 'osigu-scenario-'));
    try {
      const file = path.join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ name: 'bad', description: '', steps: [{ generate: 'claims', count: 0 }] }));
      expect(thrownBy(() => loadScenario(file)).code).toBe('scenario_invalid');
      writeFileSync(file, JSON.stringify({ name: 'bad', description: '', steps: [{ fixture: 'settlement.paid', sett: {} }] }));
      const misspelt = thrownBy(() => loadScenario(file));
      expect(misspelt.code).toBe('scenario_invalid');
      expect(misspelt.message).toContain('sett');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('setField', () => {
  it('sets nested fields and array items, creating objects on the way', () => {
    const target: Record<string, unknown> = { data: { products: [{ quantity: 1 }] } };
    setField(target, 'data.products.0.quantity', 9);
    setField(target, 'data.extra.note', 'x');
    expect(target).toEqual({ data: { products: [{ quantity: 9 }], extra: { note: 'x' } } });
  });

  it('refuses paths that would reach the prototype, or go through a non-object', () => {
    expect(thrownBy(() => setField({}, '__proto__.polluted', true)).code).toBe('invalid_set_path');
    expect(thrownBy(() => setField({}, 'a..b', true)).code).toBe('invalid_set_path');
    expect(thrownBy(() => setField({ a: 1 }, 'a.b', true)).code).toBe('invalid_set_path');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
