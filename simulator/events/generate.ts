import { authorizationStory } from './authorization';
import { dispensingStory } from './dispensing';
import { EVENT_TYPES, FAMILIES, familyOf, type EventType, type Family } from './event-types';
import { prescriptionStory } from './prescription';
import type { Random } from './random';
import { settlementStory } from './settlement';
import { envelope, type EnvelopeOptions, type SimulatedEvent } from './simulated-event';
import type { FamilyStory } from './story';
import { createStoryClock } from './story-clock';

const STORIES: Record<Family, FamilyStory> = {
  authorization: authorizationStory,
  dispensing: dispensingStory,
  prescription: prescriptionStory,
  settlement: settlementStory,
};

export interface GenerateOptions extends EnvelopeOptions {
  /**
   * Earliest moment a story may start (ms). A fixed default, not the clock, keeps a seed's output
   * identical from one day to the next.
   */
  fromMs?: number;
  /** Stories start at a random moment within this many days after `fromMs`. */
  spreadDays?: number;
}

export const DEFAULT_FROM_MS = Date.parse('2026-11-01T08:00:00.000Z');
const DEFAULT_SPREAD_DAYS = 30;

/**
 * The ordered events of one resource's life, `created_at` strictly increasing. With `including`,
 * only lives that contain that event type are drawn.
 */
export function generateStory(random: Random, family: Family, options: GenerateOptions = {}, including?: EventType): SimulatedEvent[] {
  const story = STORIES[family];
  const shapes = including === undefined ? story.shapes : story.shapes.filter((shape) => shape.includes(including));
  const shape = random.pick(shapes);
  const from = options.fromMs ?? DEFAULT_FROM_MS;
  const startMs = from + random.int(0, (options.spreadDays ?? DEFAULT_SPREAD_DAYS) * 86_400) * 1000;
  return story
    .build(random, shape, createStoryClock(random, startMs))
    .map(({ type, at, data }) => envelope(random, type, at, data, options));
}

/** One event of the given type, taken from a story so its data is what that point of a life looks like. */
export function generateEvent(random: Random, type: EventType, options: GenerateOptions = {}): SimulatedEvent {
  const story = generateStory(random, familyOf(type), options, type);
  const event = story.find((candidate) => candidate.event_type === type);
  if (event === undefined) throw new TypeError(`no story of ${familyOf(type)} produced ${type}`);
  return event;
}

/** `count` independent events, each of a type drawn from `types` (all 13 by default). */
export function generateEvents(
  random: Random,
  count: number,
  options: GenerateOptions & { types?: readonly EventType[] } = {},
): SimulatedEvent[] {
  const types = options.types ?? EVENT_TYPES;
  return Array.from({ length: count }, () => generateEvent(random, random.pick(types), options));
}

/** `count` stories, each of a family drawn from `families` (all four by default). */
export function generateStories(
  random: Random,
  count: number,
  options: GenerateOptions & { families?: readonly Family[] } = {},
): SimulatedEvent[][] {
  const families = options.families ?? FAMILIES;
  return Array.from({ length: count }, () => generateStory(random, random.pick(families), options));
}
