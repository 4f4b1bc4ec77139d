/**
 * Every failure the simulator reports on purpose carries a stable `code`, so scripts and tests can
 * tell "no such fixture" from "bad scenario" without parsing prose.
 */
export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
