import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultFixturesDir, fixtureTypes, loadFixture } from '../../../simulator/events/fixtures';
import { EVENT_TYPES } from '../../../simulator/events/event-types';
import { FIXTURES_DIR } from '../../support/delivery';
import { thrownBy } from './thrown';

describe('fixtures', () => {
  it('are found where the tests find them, one per event type', () => {
    expect(defaultFixturesDir()).toBe(FIXTURES_DIR);
    expect(fixtureTypes()).toEqual([...EVENT_TYPES].sort());
  });

  it("load with the file's bytes untouched", () => {
    const fixture = loadFixture('prescription.issued');
    expect(fixture.bytes.equals(readFileSync(path.join(FIXTURES_DIR, 'prescription.issued.json')))).toBe(true);
    expect(fixture.event).toMatchObject({ event_id: 'evt_01JB0000000000000000000008', event_type: 'prescription.issued' });
  });

  it('take a fresh event id on request, and change nothing else', () => {
    const original = loadFixture('authorization.created');
    const fresh = loadFixture('authorization.created', { freshId: true });
    expect(fresh.event.event_id).toMatch(/^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(fresh.event.event_id).not.toBe(original.event.event_id);
    expect(loadFixture('authorization.created', { freshId: true }).event.event_id).not.toBe(fresh.event.event_id);
    expect(JSON.parse(fresh.bytes.toString('utf8'))).toEqual({ ...original.event, event_id: fresh.event.event_id });
  });

  it('that do not exist are refused with the list of known types', () => {
    const missing = thrownBy(() => loadFixture('authorization.approved'));
    expect(missing.code).toBe('fixture_not_found');
    expect(missing.message).toContain('known types: authorization.created, authorization.rejected');
    // A type is looked up among the files, so it cannot walk out of the directory.
    expect(thrownBy(() => loadFixture('../events/authorization.created')).code).toBe('fixture_not_found');
    expect(thrownBy(() => loadFixture('authorization.created', { dir: '/nonexistent' })).code).toBe('fixtures_dir_missing');
  });
});
