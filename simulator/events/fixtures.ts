import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freshEventId } from './ids';
import { SimulatorError } from './simulator-error';

const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * The one reader of Osigu's fixtures (shared/osigu/events/<event_type>.json) for the simulator, the
 * bench and the tests. The team's fixtures live beside the repository (../shared), never inside
 * the product: nothing in src/ reads them.
 */
export function defaultFixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OSIGU_FIXTURES_DIR ?? path.resolve(REPO_ROOT, '../shared/osigu/events');
}

export interface Fixture {
  type: string;
  path: string;
  /** What goes on the wire: the file's bytes, untouched, unless the event id was replaced. */
  bytes: Buffer;
  event: { event_id: string; event_type: string; [field: string]: unknown };
}

export interface FixtureOptions {
  dir?: string;
  /** Give the event a new `event_id`, so that sending it again is a new event, not a redelivery. */
  freshId?: boolean;
}

export function fixtureTypes(dir: string = defaultFixturesDir()): string[] {
  if (!existsSync(dir)) {
    throw new SimulatorError('fixtures_dir_missing', `no fixtures directory at ${dir} (set OSIGU_FIXTURES_DIR)`);
  }
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export function loadFixture(type: string, options: FixtureOptions = {}): Fixture {
  const dir = options.dir ?? defaultFixturesDir();
  const fixture = findFixture(type, { ...options, dir });
  if (fixture === undefined) {
    throw new SimulatorError('fixture_not_found', `no fixture for "${type}" in ${dir}; known types: ${fixtureTypes(dir).join(', ')}`);
  }
  return fixture;
}

/** The fixture of `type`, or undefined when there is none (no such file, or no directory at all). */
export function findFixture(type: string, { dir = defaultFixturesDir(), freshId = false }: FixtureOptions = {}): Fixture | undefined {
  // Looked up among the files that exist, so a type can never name a path outside the directory.
  if (!existsSync(dir) || !fixtureTypes(dir).includes(type)) return undefined;
  const file = path.join(dir, `${type}.json`);
  const bytes = readFileSync(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SimulatorError('fixture_invalid', `${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SimulatorError('fixture_invalid', `${file} is not a JSON object`);
  }
  const event = parsed as Record<string, unknown>;
  if (typeof event.event_id !== 'string' || typeof event.event_type !== 'string') {
    throw new SimulatorError('fixture_invalid', `${file} has no string event_id and event_type`);
  }
  const fixture: Fixture = { type, path: file, bytes, event: event as Fixture['event'] };
  return freshId ? withEventId(fixture, freshEventId()) : fixture;
}

/** Every fixture in the directory, in the order of their types. */
export function loadFixtures(options: FixtureOptions = {}): Fixture[] {
  return fixtureTypes(options.dir).map((type) => loadFixture(type, options));
}

/** The same event under another id; the bytes are re-serialised once, since they must change. */
export function withEventId(fixture: Fixture, eventId: string): Fixture {
  const event = { ...fixture.event, event_id: eventId };
  return { ...fixture, event, bytes: Buffer.from(JSON.stringify(event), 'utf8') };
}
