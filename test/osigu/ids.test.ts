import { entityWorkflowId, EVENT_FAMILIES } from '../../src/osigu/families';
import { createIdKeyer, DEV_RESOURCE_ID_HASH_KEY, hashId } from '../../src/osigu/id-key';
import { eventTypeLabel, HASHED_ID_PREFIX, idKey, matchesIdGrammar, WITHHELD_EVENT_TYPE } from '../../src/osigu/ids';
import { eventKeys, eventSummary } from '../../src/temporal/event-starter';
import { routeEvent } from '../../src/temporal/routing';
import { FIXTURES_DIR } from '../support/delivery';
import { loadFixtures } from '../../simulator/events/fixtures';

const HOSTILE = [
  'María José Pérez, DOB 1980-02-03\n',
  'dispensation:dsp_123',
  'dsp_..',
  '..',
  'dsp_1/2',
  'a'.repeat(300),
  'x_1',
  'DSP_1',
  'dsp_',
  'h_abc',
];

describe('the id grammar', () => {
  it("accepts every id in Osigu's fixtures, and the test suite's event ids", () => {
    for (const fixture of loadFixtures({ dir: FIXTURES_DIR })) {
      const text = fixture.bytes.toString('utf8');
      for (const match of text.matchAll(/"[a-z_]*_id": *"([^"]*)"/g)) expect(matchesIdGrammar(match[1] ?? '')).toBe(true);
    }
    expect(matchesIdGrammar(`evt_test_${process.pid}_lq2x_1`)).toBe(true);
  });

  it.each(HOSTILE)('refuses %j', (value) => {
    expect(matchesIdGrammar(value)).toBe(false);
  });

  it('has no ":", so no event id can equal an entity workflow id', () => {
    for (const family of Object.values(EVENT_FAMILIES)) expect(matchesIdGrammar(entityWorkflowId(family, 'dsp_123'))).toBe(false);
  });

  it('a keyed hash is outside the grammar too, so it never equals a verbatim id', () => {
    const key = idKey('Ana López', hashId('k'));
    expect(key.hashed).toBe(true);
    expect(key.key.startsWith(HASHED_ID_PREFIX)).toBe(true);
    expect(matchesIdGrammar(key.key)).toBe(false);
  });
});

describe('keyed hashes', () => {
  it('are deterministic per key, differ between keys, and never contain the raw value', () => {
    const a = createIdKeyer('key one');
    const b = createIdKeyer('key two');
    const raw = 'María José Pérez, DOB 1980-02-03';
    expect(a(raw)).toBe(a(raw));
    expect(a(raw)).not.toBe(b(raw));
    expect(a(raw)).toMatch(/^h_[0-9a-f]{40}$/);
    expect(a(raw)).not.toContain('Mar');
    expect(a('dsp_01JC0000000000000000000001')).toBe('dsp_01JC0000000000000000000001');
  });
});

describe('eventKeys: what the starter writes where nothing is encrypted', () => {
  const hash = hashId(DEV_RESOURCE_ID_HASH_KEY);
  it('keeps ids inside the grammar verbatim, with no flags', () => {
    const event = {
      event_id: 'evt_01JB0000000000000000000001',
      event_type: 'dispensing.started',
      data: { dispensation_id: 'dsp_01JC0000000000000000000001' },
    };
    expect(eventKeys(event, routeEvent(event), hash)).toEqual({
      workflowId: event.event_id,
      resourceKey: 'dsp_01JC0000000000000000000001',
      flags: [],
    });
  });

  it.each(HOSTILE)('hashes a resource id %j and flags it; the event is still routed to its family', (resourceId) => {
    const event = { event_id: 'evt_01JB0000000000000000000001', event_type: 'dispensing.started', data: { dispensation_id: resourceId } };
    const route = routeEvent(event);
    const keys = eventKeys(event, route, hash);
    if (route.resourceId === undefined) return; // over 255 characters: no resource at all (no_resource)
    expect(route.workflowType).toBe('dispensingEventWorkflow');
    expect(keys.resourceKey).toMatch(/^h_[0-9a-f]{40}$/);
    expect(keys.flags).toEqual(['resource_id_hashed']);
  });

  it('gives an event_id outside the grammar (an entity-shaped one included) its keyed hash as the workflow id, flagged', () => {
    const event = { event_id: 'dispensation:dsp_123', event_type: 'dispensing.started', data: {} };
    const keys = eventKeys(event, routeEvent(event), hash);
    expect(keys.workflowId).toMatch(/^h_[0-9a-f]{40}$/);
    expect(keys.flags).toEqual(['event_id_hashed']);
    expect(eventKeys(event, routeEvent(event), hash).workflowId).toBe(keys.workflowId);
  });
});

describe('the event-type grammar, and the Web UI title of an event workflow', () => {
  it("accepts every type in Osigu's fixtures and titles the event with its type and resource key", () => {
    for (const { event } of loadFixtures({ dir: FIXTURES_DIR })) {
      expect(eventTypeLabel(event.event_type)).toBe(event.event_type);
    }
    expect(eventSummary({ event_type: 'dispensing.completed' }, 'dsp_01JC0000000000000000000001')).toBe(
      'dispensing.completed · dsp_01JC0000000000000000000001',
    );
    expect(eventSummary({ event_type: 'provider.updated' }, undefined)).toBe('provider.updated');
  });

  it.each(['María José Pérez', 'dispensing.completed\n', 'Dispensing.Completed', 'a.b.c.d.e', `x.${'y'.repeat(65)}`, '', 'dsp_1/2'])(
    'withholds a type outside the grammar (%j) wherever nothing is encrypted',
    (type) => {
      expect(eventTypeLabel(type)).toBe(WITHHELD_EVENT_TYPE);
      expect(eventSummary({ event_type: type }, 'h_0123')).toBe(`${WITHHELD_EVENT_TYPE} · h_0123`);
    },
  );
});
