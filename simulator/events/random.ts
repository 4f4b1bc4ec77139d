import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { SimulatorError } from './simulator-error';

/**
 * One seeded source of randomness for a whole run. The generator is owned here and advanced in
 * place (pure-rand's `unsafe*` API): callers see a plain object, and the same seed followed by the
 * same sequence of calls always gives the same values.
 */
export interface Random {
  readonly seed: number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** A float in [0, 1). */
  fraction(): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A new array; the input is left alone. */
  shuffle<T>(items: readonly T[]): T[];
}

const FRACTION_STEPS = 2 ** 30;

export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new SimulatorError('invalid_seed', 'a seed is an integer from 0 to 4294967295');
  }
  const generator: RandomGenerator = xoroshiro128plus(seed | 0);
  const int = (min: number, max: number): number => unsafeUniformIntDistribution(min, max, generator);
  const fraction = (): number => int(0, FRACTION_STEPS - 1) / FRACTION_STEPS;

  return {
    seed,
    int,
    fraction,
    chance: (probability) => fraction() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new SimulatorError('empty_choice', 'cannot pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      // Fisher–Yates: every order equally likely, which a sort with a random comparator is not.
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
  };
}

/** A seed for runs that were not given one; it is printed in the report so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
