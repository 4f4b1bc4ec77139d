import { createRandom } from '../events/random';
import type { GenerateOptions } from '../events/generate';
import { runDeliveries, type RunOptions, type RunResult } from '../delivery/run';
import { loadScenario } from './scenario';
import { scenarioLanes } from './scenario-lanes';

export interface ScenarioRunOptions extends RunOptions {
  fixturesDir?: string;
  freshIds?: boolean;
  generate?: GenerateOptions;
}

/** Runs one scenario (a name from simulator/scenarios, or a path) against a receiver. */
export async function runScenario(nameOrPath: string, options: ScenarioRunOptions): Promise<RunResult> {
  const { fixturesDir, freshIds, generate, ...run } = options;
  const lanes = scenarioLanes(loadScenario(nameOrPath), {
    random: createRandom(options.seed),
    ...(fixturesDir !== undefined && { fixturesDir }),
    ...(freshIds !== undefined && { freshIds }),
    ...(generate !== undefined && { generate }),
  });
  return runDeliveries(lanes, run);
}
