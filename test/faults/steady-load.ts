import { fromEvent } from '../../simulator/delivery/outgoing-event';
import type { Lane, LaneItem } from '../../simulator/delivery/run';
import { generateStory } from '../../simulator/events/generate';
import { FAMILIES, type Family } from '../../simulator/events/event-types';
import { createRandom } from '../../simulator/events/random';
import type { SimulatedEvent } from '../../simulator/events/simulated-event';

export interface SteadyLoadOptions {
  seed: number;
  /** First attempts per second, across all lanes. */
  ratePerSecond: number;
  durationMs: number;
  /** Resources whose lives are interleaved at any moment; more of them, longer gaps within each. */
  activeStories?: number;
  /** Which kinds of resource lives to draw (all four by default). */
  families?: readonly Family[];
  /** Copies of each event sent at its moment (1: no duplicates). */
  copies?: number;
  /** Send those copies at the same instant rather than one after another. */
  concurrentCopies?: boolean;
  /** More copies of every event, this many ms after its moment (redeliveries "later"). */
  laterCopiesMs?: readonly number[];
}

export interface SteadyLoad {
  lanes: Lane[];
  /** Every distinct event, in the order of its planned first attempt. */
  events: SimulatedEvent[];
  /** Copies planned per event, all lanes included. */
  copiesPerEvent: number;
}

/**
 * Whole resource lives (authorization, dispensing, prescription, settlement stories) interleaved
 * into one steady stream: event `i` is planned at `i / rate`, each resource's events in its own
 * lane so they keep Osigu's order. The simulator starts a lane's next event after the previous
 * one's first answer plus the planned gap, so a slow answer delays that lane only.
 */
export function steadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const random = createRandom(options.seed);
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSecond;
  const copies = options.copies ?? 1;
  const later = options.laterCopiesMs ?? [];

  interface Slot {
    story: SimulatedEvent[];
    next: number;
    lane: LaneItem[];
    lastMs: number;
  }
  const slots: (Slot | undefined)[] = new Array<Slot | undefined>(options.activeStories ?? 8).fill(undefined);
  const lanes: LaneItem[][] = [];
  const events: SimulatedEvent[] = [];

  for (let index = 0; index < total; index += 1) {
    const atMs = index * intervalMs;
    const position = index % slots.length;
    let slot = slots[position];
    if (slot === undefined || slot.next >= slot.story.length) {
      slot = { story: generateStory(random, random.pick(options.families ?? FAMILIES)), next: 0, lane: [], lastMs: 0 };
      slots[position] = slot;
      lanes.push(slot.lane);
    }
    const event = slot.story[slot.next] as SimulatedEvent;
    slot.next += 1;
    events.push(event);
    const outgoing = fromEvent(event);
    slot.lane.push({ event: outgoing, delayMs: atMs - slot.lastMs, copies, concurrent: options.concurrentCopies ?? false });
    slot.lastMs = atMs;

    if (later.length > 0) {
      // Each pause counts from the previous copy's first answer: the first from the run's start.
      const sorted = [...later].sort((a, b) => a - b);
      lanes.push(
        sorted.map((offset, at) => ({ event: outgoing, delayMs: at === 0 ? atMs + offset : offset - (sorted[at - 1] as number) })),
      );
    }
  }
  return { lanes, events, copiesPerEvent: copies + later.length };
}
