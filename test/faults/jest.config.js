// The fault suite (npm run test:faults): real Temporal, worker and receiver processes, one fault at a
// time. Its files end in `.faults.ts`, which the main config's `**/*.test.ts` never matches, so a
// plain `jest` / `npm test` leaves it out. One scenario at a time: each runs its own stack and
// measures recovery, which a second stack on the same 2 cores would distort.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults.ts'],
  maxWorkers: 1,
  // A scenario that fails half-way can leave a client or timer of its own behind; CI must still
  // end with the verdict rather than wait on it (every child process is stopped by its teardown).
  forceExit: true,
  // Per scenario: a stack, ~16 s of load, and the wait for a busy worker to catch up.
  testTimeout: 600_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
};
