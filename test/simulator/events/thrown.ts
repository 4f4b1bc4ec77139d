import { SimulatorError } from '../../../simulator/events/simulator-error';

/** The SimulatorError an action throws; anything else thrown (or nothing) fails the test. */
export function thrownBy(action: () => unknown): SimulatorError {
  try {
    action();
  } catch (error) {
    if (error instanceof SimulatorError) return error;
    throw error;
  }
  throw new Error('expected a SimulatorError, but nothing was thrown');
}
