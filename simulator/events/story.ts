import type { EventType } from './event-types';
import type { Random } from './random';
import type { StoryClock } from './story-clock';

/** One event of a story before it gets its envelope: what happened, when, and its `data`. */
export interface StoryEvent {
  type: EventType;
  at: number;
  data: Record<string, unknown>;
}

/** The lives one resource can have, and how to tell one of them. */
export interface FamilyStory {
  /** Every ordered sequence of event types this family's resources go through. */
  readonly shapes: readonly (readonly EventType[])[];
  build(random: Random, shape: readonly EventType[], clock: StoryClock): StoryEvent[];
}

export interface StoryStep<State> {
  /** Gap before this event when it is not the first of its story, in seconds. */
  gapSeconds: readonly [number, number];
  data: (state: State, at: number, random: Random) => Record<string, unknown>;
}

/**
 * A family is written as data: its shapes, the resource it starts with, and one `data` builder
 * per event type. The state type stays inside the definition, so families with different
 * resources share one registry.
 */
export function defineStory<State, T extends EventType>(definition: {
  shapes: readonly (readonly T[])[];
  begin: (random: Random, startMs: number) => State;
  steps: Record<T, StoryStep<State>>;
}): FamilyStory {
  const isOwnType = (type: EventType): type is T => Object.hasOwn(definition.steps, type);
  return {
    shapes: definition.shapes,
    build(random, shape, clock) {
      const state = definition.begin(random, clock.now);
      return shape.map((type, index) => {
        if (!isOwnType(type)) throw new TypeError(`${type} is not an event of this family`);
        const step = definition.steps[type];
        const at = index === 0 ? clock.now : clock.next(...step.gapSeconds);
        return { type, at, data: step.data(state, at, random) };
      });
    },
  };
}
