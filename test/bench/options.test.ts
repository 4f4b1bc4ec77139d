import { parseOptions } from '../../bench/options';

/** parseOptions(argv) is refused as a bad option is: exit 2, its message on stderr. */
function expectRefused(argv: string[]): void {
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`exit ${String(code)}`);
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(() => parseOptions(argv)).toThrow('exit 2');
  } finally {
    exit.mockRestore();
    stderr.mockRestore();
  }
}

describe('bench --temporal-config', () => {
  it('is empty unless given, and collects every KEY=VALUE given, in order', () => {
    expect(parseOptions([]).temporalConfig).toEqual([]);
    expect(
      parseOptions(['--temporal-config', 'system.enableActivityEagerExecution=true', '--temporal-config', 'limit.maxIDLength=255'])
        .temporalConfig,
    ).toEqual(['system.enableActivityEagerExecution=true', 'limit.maxIDLength=255']);
  });

  it('refuses a value that is not KEY=VALUE (exit 2, as for any bad option)', () => {
    expectRefused(['--temporal-config', 'system.enableActivityEagerExecution']);
  });
});

describe('bench --worker-env and --pg-env', () => {
  it('are empty unless given, and keep the last value given for a key', () => {
    expect(parseOptions([])).toMatchObject({ workerEnv: {}, pgEnv: {} });
    const options = parseOptions([
      '--worker-env',
      'WORKER_POLLERS=4',
      '--worker-env',
      'WORKER_TARGET_CPU_USAGE=0.7',
      '--worker-env',
      'WORKER_POLLERS=autoscaling',
      '--pg-env',
      'TEMPORAL_PG_HISTORY_SHARDS=8',
    ]);
    expect(options.workerEnv).toEqual({ WORKER_POLLERS: 'autoscaling', WORKER_TARGET_CPU_USAGE: '0.7' });
    expect(options.pgEnv).toEqual({ TEMPORAL_PG_HISTORY_SHARDS: '8' });
  });

  it.each([
    ['--worker-env', 'WORKER_POLLERS'], // no value
    ['--worker-env', 'LOG_LEVEL=debug'], // not a worker tuning setting
    ['--pg-env', 'PGHOST=10.0.0.1'], // the bench's PostgreSQL is --pg-url
    ['--pg-env', 'TEMPORAL_PG_FRONTEND_PORT=7233'], // the bench picks free ports
    ['--pg-env', 'TEMPORAL_PG_DB'],
    ['--pg-env', 'TEMPORAL_PG_VISIBILITY_DB=prod'], // the bench's own databases, never another's
  ])('refuses %s %s', (option, value) => {
    expectRefused([option, value]);
  });
});
