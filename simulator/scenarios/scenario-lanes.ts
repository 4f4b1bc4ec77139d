import { loadFixture } from '../events/fixtures';
import { generateEvent, generateStory, type GenerateOptions } from '../events/generate';
import { isFamily, isEventType } from '../events/event-types';
import { freshEventId } from '../events/ids';
import type { Random } from '../events/random';
import { fromEvent, type OutgoingEvent } from '../delivery/outgoing-event';
import type { Lane, LaneItem } from '../delivery/run';
import { isFixtureStep, type FixtureStep, type Scenario } from './scenario';
import { setField } from './set-field';

export interface ScenarioLaneOptions {
  /** Draws the `generate` steps. */
  random: Random;
  fixturesDir?: string;
  /**
   * New event ids for fixture events, renamed consistently within the run: a fixture named twice is
   * still one event sent twice, but a second run does not collide with the first.
   */
  freshIds?: boolean;
  generate?: GenerateOptions;
}

/** A scenario is one lane: its steps are an order, and sending them in that order is the point. */
export function scenarioLanes(scenario: Scenario, options: ScenarioLaneOptions): Lane[] {
  const renamed = new Map<string, string>();
  const items: LaneItem[] = [];
  for (const step of scenario.steps) {
    const events = isFixtureStep(step) ? [fixtureEvent(step, options, renamed)] : generatedEvents(step.generate, step.count ?? 1, options);
    events.forEach((event, index) => {
      items.push({
        event,
        // The pause belongs to the step, so only its first event waits.
        ...(index === 0 && step.delayMs !== undefined && { delayMs: step.delayMs }),
        ...(step.repeat !== undefined && { copies: step.repeat }),
        ...(step.concurrent !== undefined && { concurrent: step.concurrent }),
      });
    });
  }
  return [items];
}

function fixtureEvent(step: FixtureStep, options: ScenarioLaneOptions, renamed: Map<string, string>): OutgoingEvent {
  const fixture = loadFixture(step.fixture, options.fixturesDir === undefined ? {} : { dir: options.fixturesDir });
  if (step.set === undefined && !options.freshIds) {
    // Untouched: the file's own bytes go on the wire.
    return { eventId: fixture.event.event_id, eventType: fixture.event.event_type, body: fixture.bytes };
  }
  const event = structuredClone(fixture.event);
  for (const [dottedPath, value] of Object.entries(step.set ?? {})) setField(event, dottedPath, value);
  if (options.freshIds) {
    const original = String(event.event_id);
    const fresh = renamed.get(original) ?? freshEventId();
    renamed.set(original, fresh);
    event.event_id = fresh;
  }
  return fromEvent({ ...event, event_id: String(event.event_id), event_type: String(event.event_type) });
}

function generatedEvents(what: string, count: number, options: ScenarioLaneOptions): OutgoingEvent[] {
  const generate = options.generate ?? {};
  if (isFamily(what))
    return Array.from({ length: count }, () => generateStory(options.random, what, generate))
      .flat()
      .map(fromEvent);
  if (isEventType(what)) return Array.from({ length: count }, () => fromEvent(generateEvent(options.random, what, generate)));
  // The schema only lets families and event types through.
  throw new TypeError(`cannot generate "${what}"`);
}
