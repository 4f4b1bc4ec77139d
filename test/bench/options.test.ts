import { parseOptions } from '../../bench/options';

describe('bench --temporal-config', () => {
  it('is empty unless given, and collects every KEY=VALUE given, in order', () => {
    expect(parseOptions([]).temporalConfig).toEqual([]);
    expect(
      parseOptions(['--temporal-config', 'system.enableActivityEagerExecution=true', '--temporal-config', 'limit.maxIDLength=255'])
        .temporalConfig,
    ).toEqual(['system.enableActivityEagerExecution=true', 'limit.maxIDLength=255']);
  });

  it('refuses a value that is not KEY=VALUE (exit 2, as for any bad option)', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => parseOptions(['--temporal-config', 'system.enableActivityEagerExecution'])).toThrow('exit 2');
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });
});
