import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isEventType, isFamily } from '../events/event-types';
import { SimulatorError } from '../events/simulator-error';

/** Shared by both kinds of step: when and how often its events go out. */
const sending = {
  /** Free text for the reader; JSON has no comments. */
  note: z.string().optional(),
  /** Pause before the step, after the previous step's first attempt was answered. */
  delayMs: z.number().int().min(0).optional(),
  /** Send each of the step's events this many times (2 or more makes duplicates). */
  repeat: z.number().int().min(1).optional(),
  /** Send the repeats at the same moment instead of one after another. */
  concurrent: z.boolean().optional(),
};

const fixtureStep = z.strictObject({
  /** An event type whose fixture is sent; naming the same fixture twice sends the same event again. */
  fixture: z.string().min(1),
  /** Dotted paths into the event and their new values, e.g. { "data.products.0.quantity": 10 }. */
  set: z.record(z.string().min(1), z.unknown()).optional(),
  ...sending,
});

const generateStep = z.strictObject({
  /** A family (whole stories) or an event type (single events). */
  generate: z
    .string()
    .refine((value) => isFamily(value) || isEventType(value), 'a family (authorization…) or an event type (authorization.created…)'),
  count: z.number().int().min(1).optional(),
  ...sending,
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  steps: z.array(z.union([fixtureStep, generateStep])).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = Scenario['steps'][number];
export type FixtureStep = z.infer<typeof fixtureStep>;

export const SCENARIOS_DIR = __dirname;

export function scenarioNames(dir: string = SCENARIOS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** A path to a JSON file, or the name of one of the scenarios beside this file. */
export function resolveScenario(nameOrPath: string, dir: string = SCENARIOS_DIR): string {
  if (nameOrPath.endsWith('.json') && existsSync(nameOrPath)) return path.resolve(nameOrPath);
  const names = scenarioNames(dir);
  if (names.includes(nameOrPath)) return path.join(dir, `${nameOrPath}.json`);
  throw new SimulatorError(
    'scenario_not_found',
    `no scenario "${nameOrPath}"; known scenarios: ${names.join(', ')} (or give a path to a .json file)`,
  );
}

export function loadScenario(nameOrPath: string, dir?: string): Scenario {
  const file = resolveScenario(nameOrPath, dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new SimulatorError('scenario_invalid', `${file} is not JSON`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) throw new SimulatorError('scenario_invalid', `${file} is not a valid scenario:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function isFixtureStep(step: ScenarioStep): step is FixtureStep {
  return 'fixture' in step;
}
