import { ConfigError, loadReceiverConfig, loadWorkerConfig, singleHostWorkerTuning, type Env } from '../src/config';

const SECRET = 'whsec_config_test_secret';

/** The smallest environment a receiver starts with: only the secret is required. */
const receiverEnv = (overrides: Env = {}): Env => ({ OSIGU_WEBHOOK_SECRET: SECRET, OSIGU_ENVIRONMENT: 'sandbox', ...overrides });

/** Runs `load` and returns the ConfigError it throws; fails the test if it throws nothing or something else. */
function configError(load: () => unknown): ConfigError {
  let thrown: unknown;
  try {
    load();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof ConfigError)) {
    throw new Error(`expected a ConfigError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : 'no error'}`);
  }
  return thrown;
}

const workerEnv = (overrides: Env = {}): Env => ({ OSIGU_ENVIRONMENT: 'sandbox', ...overrides });

function expectRefused(env: Env, setting: string): ConfigError {
  const error = configError(() => loadReceiverConfig(env));
  expect(error.setting).toBe(setting);
  expect(error.name).toBe('ConfigError');
  expect(error.message.startsWith(`${setting}: `)).toBe(true);
  return error;
}

describe('loadReceiverConfig', () => {
  it('fills every default when only the secret is given', () => {
    // toMatchObject: settings added later (with their own tests) do not break this one.
    expect(loadReceiverConfig(receiverEnv())).toMatchObject({
      webhookSecrets: [SECRET],
      host: undefined,
      port: 3000,
      webhookPath: '/osigu/webhooks',
      taskQueue: 'osigu-webhooks',
      bodyLimitBytes: 1_048_576,
      signatureToleranceSeconds: 300,
      startTimeoutMs: 5_000,
      requestTimeoutMs: 15_000,
      headersTimeoutMs: 10_000,
      tls: undefined,
      logLevel: 'info',
    });
    const config = loadReceiverConfig(receiverEnv());
    expect(config.host).toBeUndefined();
    expect(config.tls).toBeUndefined();
  });

  it('treats empty strings like unset variables and falls back to the defaults', () => {
    const config = loadReceiverConfig(
      receiverEnv({
        PORT: '',
        WEBHOOK_PATH: '',
        TEMPORAL_TASK_QUEUE: '',
        WEBHOOK_BODY_LIMIT: '',
        LOG_LEVEL: '',
        HOST: '',
        TLS_CERT_FILE: '',
      }),
    );
    expect(config).toMatchObject({ port: 3000, webhookPath: '/osigu/webhooks', taskQueue: 'osigu-webhooks', bodyLimitBytes: 1_048_576 });
    expect(config.host).toBeUndefined();
    expect(config.tls).toBeUndefined();
  });

  it('takes explicit values over the defaults', () => {
    const config = loadReceiverConfig(
      receiverEnv({
        HOST: ' 127.0.0.1 ',
        PORT: ' 8443 ',
        WEBHOOK_PATH: '/hooks/osigu-v1',
        TEMPORAL_TASK_QUEUE: 'other-queue',
        SIGNATURE_TOLERANCE_SECONDS: '60',
        TEMPORAL_START_TIMEOUT_MS: '2500',
        REQUEST_TIMEOUT_MS: '30000',
        HEADERS_TIMEOUT_MS: '20000',
        TLS_CERT_FILE: '/etc/tls/cert.pem',
        TLS_KEY_FILE: '/etc/tls/key.pem',
        LOG_LEVEL: 'debug',
      }),
    );
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8443,
      webhookPath: '/hooks/osigu-v1',
      taskQueue: 'other-queue',
      signatureToleranceSeconds: 60,
      startTimeoutMs: 2_500,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 20_000,
      tls: { certFile: '/etc/tls/cert.pem', keyFile: '/etc/tls/key.pem' },
      logLevel: 'debug',
    });
  });

  describe('OSIGU_WEBHOOK_SECRET', () => {
    it('is required: a ConfigError whose setting and message name it', () => {
      const error = expectRefused({ OSIGU_ENVIRONMENT: 'sandbox' }, 'OSIGU_WEBHOOK_SECRET');
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain('OSIGU_WEBHOOK_SECRET');
      expect(error.message).toContain('required');
    });

    it('counts an empty string as missing', () => {
      expectRefused(receiverEnv({ OSIGU_WEBHOOK_SECRET: '' }), 'OSIGU_WEBHOOK_SECRET');
    });

    it('reads a comma-separated list and trims the spaces around each secret', () => {
      expect(
        loadReceiverConfig(receiverEnv({ OSIGU_WEBHOOK_SECRET: ' whsec_old_0123456789 , whsec_new_0123456789,whsec_next_0123456789 ' }))
          .webhookSecrets,
      ).toEqual(['whsec_old_0123456789', 'whsec_new_0123456789', 'whsec_next_0123456789']);
    });

    it('keeps a single secret as a one-element list', () => {
      expect(loadReceiverConfig(receiverEnv({ OSIGU_WEBHOOK_SECRET: 'whsec_only_0123456789' })).webhookSecrets).toEqual([
        'whsec_only_0123456789',
      ]);
    });

    it.each([
      ['an empty item in the middle', 'whsec_a,,whsec_b'],
      ['a blank item in the middle', 'whsec_a,  ,whsec_b'],
      ['a trailing comma', 'whsec_a,'],
      ['a leading comma', ',whsec_a'],
      ['only whitespace', '   '],
      ['only a comma', ','],
    ])('refuses %s, without echoing any secret in the message', (_label, value) => {
      const error = expectRefused(receiverEnv({ OSIGU_WEBHOOK_SECRET: value }), 'OSIGU_WEBHOOK_SECRET');
      expect(error.message).not.toContain('whsec_');
    });

    it('is checked after TLS and the timeouts: those errors win when several settings are wrong', () => {
      expectRefused({ TLS_CERT_FILE: '/etc/tls/cert.pem' }, 'TLS_KEY_FILE');
      expectRefused({ TEMPORAL_START_TIMEOUT_MS: 'soon' }, 'TEMPORAL_START_TIMEOUT_MS');
    });
  });

  describe('PORT', () => {
    it.each([
      ['1', 1],
      ['8080', 8080],
      ['65535', 65_535],
      // Pinned: 0 is accepted and means "any free port" (the OS picks one).
      ['0', 0],
    ])('accepts %j', (value, port) => {
      expect(loadReceiverConfig(receiverEnv({ PORT: value })).port).toBe(port);
    });

    it.each(['lots', '-1', '65536', '80.5', '1e3', '0x50', '+80', '80 81'])('refuses %j', (value) => {
      expectRefused(receiverEnv({ PORT: value }), 'PORT');
    });
  });

  describe('WEBHOOK_BODY_LIMIT', () => {
    it.each([
      ['1mb', 1_048_576],
      ['1MB', 1_048_576],
      ['512kb', 524_288],
      ['1.5kb', 1_536],
      ['2048', 2_048],
      [' 4096 ', 4_096],
      ['1', 1],
    ])('accepts %j as %i bytes', (value, limit) => {
      expect(loadReceiverConfig(receiverEnv({ WEBHOOK_BODY_LIMIT: value })).bodyLimitBytes).toBe(limit);
    });

    it.each(['lots', '0', '-1', '0kb', '0x10', 'mb', '9007199254740993'])('refuses %j', (value) => {
      const error = expectRefused(receiverEnv({ WEBHOOK_BODY_LIMIT: value }), 'WEBHOOK_BODY_LIMIT');
      expect(error.message).toContain('must be a size');
    });

    // `bytes` alone would read '1m' as 1 byte (its parseInt fallback): every delivery would get 413.
    it.each(['1m', '1k', '2g', '10abc', '1.5', '1e3'])('refuses %j instead of reading its leading digits', (value) => {
      expectRefused(receiverEnv({ WEBHOOK_BODY_LIMIT: value }), 'WEBHOOK_BODY_LIMIT');
    });
  });

  describe('TLS_CERT_FILE and TLS_KEY_FILE', () => {
    it('refuses a certificate without a key, naming the key', () => {
      const error = expectRefused(receiverEnv({ TLS_CERT_FILE: '/etc/tls/cert.pem' }), 'TLS_KEY_FILE');
      expect(error.message).toContain('TLS_KEY_FILE');
    });

    it('refuses a key without a certificate, naming the certificate', () => {
      const error = expectRefused(receiverEnv({ TLS_KEY_FILE: '/etc/tls/key.pem' }), 'TLS_CERT_FILE');
      expect(error.message).toContain('TLS_CERT_FILE');
    });

    it('counts a whitespace-only path as unset', () => {
      expectRefused(receiverEnv({ TLS_CERT_FILE: '/etc/tls/cert.pem', TLS_KEY_FILE: '   ' }), 'TLS_KEY_FILE');
      expect(loadReceiverConfig(receiverEnv({ TLS_CERT_FILE: ' ', TLS_KEY_FILE: ' ' })).tls).toBeUndefined();
    });
  });

  describe('TEMPORAL_START_TIMEOUT_MS (must leave room inside Osigu 10 s timeout)', () => {
    it.each([
      ['100', 100],
      ['9000', 9_000],
    ])('accepts the bound %j', (value, ms) => {
      expect(loadReceiverConfig(receiverEnv({ TEMPORAL_START_TIMEOUT_MS: value })).startTimeoutMs).toBe(ms);
    });

    it.each(['99', '9001', '10000', '60000', '0', '-5000', '5s', '5000.5'])('refuses %j', (value) => {
      expectRefused(receiverEnv({ TEMPORAL_START_TIMEOUT_MS: value }), 'TEMPORAL_START_TIMEOUT_MS');
    });
  });

  describe('REQUEST_TIMEOUT_MS and HEADERS_TIMEOUT_MS', () => {
    it('refuses a headers timeout longer than the request timeout, naming HEADERS_TIMEOUT_MS', () => {
      const error = expectRefused(receiverEnv({ REQUEST_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '2001' }), 'HEADERS_TIMEOUT_MS');
      expect(error.message).toContain('REQUEST_TIMEOUT_MS');
    });

    it('refuses a request timeout set below the default headers timeout', () => {
      expectRefused(receiverEnv({ REQUEST_TIMEOUT_MS: '5000' }), 'HEADERS_TIMEOUT_MS');
    });

    it('accepts equal timeouts, and the short pair the integration tests use', () => {
      expect(loadReceiverConfig(receiverEnv({ REQUEST_TIMEOUT_MS: '3000', HEADERS_TIMEOUT_MS: '3000' }))).toMatchObject({
        requestTimeoutMs: 3_000,
        headersTimeoutMs: 3_000,
      });
      expect(loadReceiverConfig(receiverEnv({ REQUEST_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '1000' }))).toMatchObject({
        requestTimeoutMs: 2_000,
        headersTimeoutMs: 1_000,
      });
    });

    it.each([
      ['REQUEST_TIMEOUT_MS', '999'],
      ['REQUEST_TIMEOUT_MS', '120001'],
      ['HEADERS_TIMEOUT_MS', '999'],
      ['HEADERS_TIMEOUT_MS', 'never'],
    ])('refuses %s=%j', (name, value) => {
      expectRefused(receiverEnv({ [name]: value }), name);
    });
  });

  describe('SIGNATURE_TOLERANCE_SECONDS', () => {
    it.each(['0', '3601', 'five'])('refuses %j', (value) => {
      expectRefused(receiverEnv({ SIGNATURE_TOLERANCE_SECONDS: value }), 'SIGNATURE_TOLERANCE_SECONDS');
    });
  });

  describe('WEBHOOK_PATH', () => {
    it.each(['osigu/webhooks', '/osigu webhooks', '/osigu?x=1', '/osigu/%2e%2e', 'http://x/osigu'])('refuses %j', (value) => {
      expectRefused(receiverEnv({ WEBHOOK_PATH: value }), 'WEBHOOK_PATH');
    });
  });

  describe('LOG_LEVEL', () => {
    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts %j', (level) => {
      expect(loadReceiverConfig(receiverEnv({ LOG_LEVEL: level })).logLevel).toBe(level);
    });

    // Pinned: the level names are case-sensitive, as pino's are.
    it.each(['verbose', 'warning', 'INFO', '3'])('refuses %j and lists the valid levels', (level) => {
      const error = expectRefused(receiverEnv({ LOG_LEVEL: level }), 'LOG_LEVEL');
      expect(error.message).toContain('fatal, error, warn, info, debug, trace, silent');
    });
  });

  it('refuses a task queue of only whitespace', () => {
    expectRefused(receiverEnv({ TEMPORAL_TASK_QUEUE: '   ' }), 'TEMPORAL_TASK_QUEUE');
  });
});

describe('loadWorkerConfig', () => {
  it('needs no secret and defaults the queue and the log level', () => {
    expect(loadWorkerConfig(workerEnv())).toMatchObject({ taskQueue: 'osigu-webhooks', logLevel: 'info' });
  });

  it('takes an explicit queue and level', () => {
    expect(loadWorkerConfig(workerEnv({ TEMPORAL_TASK_QUEUE: ' other-queue ', LOG_LEVEL: 'warn' }))).toMatchObject({
      taskQueue: 'other-queue',
      logLevel: 'warn',
    });
  });

  it('refuses an invalid LOG_LEVEL, naming it', () => {
    const error = configError(() => loadWorkerConfig(workerEnv({ LOG_LEVEL: 'loud' })));
    expect(error.setting).toBe('LOG_LEVEL');
    expect(error.message).toContain('LOG_LEVEL');
  });

  it('refuses a whitespace-only TEMPORAL_TASK_QUEUE, naming it', () => {
    expect(configError(() => loadWorkerConfig(workerEnv({ TEMPORAL_TASK_QUEUE: ' \t ' }))).setting).toBe('TEMPORAL_TASK_QUEUE');
  });

  it("gives the entities a queue of their own: <queue>-entities, or TEMPORAL_ENTITY_TASK_QUEUE, never the events' queue", () => {
    expect(loadWorkerConfig(workerEnv()).entityTaskQueue).toBe('osigu-webhooks-entities');
    expect(loadWorkerConfig(workerEnv({ TEMPORAL_TASK_QUEUE: 'q' })).entityTaskQueue).toBe('q-entities');
    expect(loadWorkerConfig(workerEnv({ TEMPORAL_ENTITY_TASK_QUEUE: 'mine' })).entityTaskQueue).toBe('mine');
    expect(configError(() => loadWorkerConfig(workerEnv({ TEMPORAL_TASK_QUEUE: 'q', TEMPORAL_ENTITY_TASK_QUEUE: 'q' }))).setting).toBe(
      'TEMPORAL_ENTITY_TASK_QUEUE',
    );
  });
});

describe('Worker Versioning settings', () => {
  it('are off unless a deployment is named', () => {
    expect(loadWorkerConfig(workerEnv()).version).toBeUndefined();
  });

  it('name the deployment and the build, both or neither', () => {
    expect(
      loadWorkerConfig(workerEnv({ TEMPORAL_WORKER_DEPLOYMENT: 'osigu-webhooks', TEMPORAL_WORKER_BUILD_ID: '0.1.0+5b2cee5' })).version,
    ).toEqual({
      deploymentName: 'osigu-webhooks',
      buildId: '0.1.0+5b2cee5',
    });
    expect(configError(() => loadWorkerConfig(workerEnv({ TEMPORAL_WORKER_DEPLOYMENT: 'osigu-webhooks' }))).setting).toBe(
      'TEMPORAL_WORKER_BUILD_ID',
    );
    expect(configError(() => loadWorkerConfig(workerEnv({ TEMPORAL_WORKER_BUILD_ID: 'b1' }))).setting).toBe('TEMPORAL_WORKER_DEPLOYMENT');
  });

  it('refuse a deployment name with the separator the CLI prints between name and build', () => {
    expect(
      configError(() => loadWorkerConfig(workerEnv({ TEMPORAL_WORKER_DEPLOYMENT: 'osigu.webhooks', TEMPORAL_WORKER_BUILD_ID: 'b1' })))
        .setting,
    ).toBe('TEMPORAL_WORKER_DEPLOYMENT');
  });
});

describe('worker tuning (WORKER_*)', () => {
  const tuning = (env: Env) => loadWorkerConfig(workerEnv(env)).tuning;

  it("is the SDK's defaults when nothing is set", () => {
    expect(tuning({})).toEqual({ slots: { kind: 'sdk-default' }, pollers: { kind: 'sdk-default' }, maxCachedWorkflows: undefined });
  });

  it('counts slots as given, and leaves the unset count to the SDK', () => {
    expect(tuning({ WORKER_WORKFLOW_TASK_SLOTS: '8' }).slots).toEqual({ kind: 'fixed', workflowTasks: 8, activities: undefined });
    expect(tuning({ WORKER_ACTIVITY_SLOTS: ' 20 ' }).slots).toEqual({ kind: 'fixed', workflowTasks: undefined, activities: 20 });
  });

  it('aims slots at a CPU or memory target, the other at 0.8', () => {
    expect(tuning({ WORKER_TARGET_CPU_USAGE: '0.6' }).slots).toEqual({
      kind: 'resource-based',
      targetCpuUsage: 0.6,
      targetMemoryUsage: 0.8,
    });
    expect(tuning({ WORKER_TARGET_MEMORY_USAGE: '1' }).slots).toEqual({
      kind: 'resource-based',
      targetCpuUsage: 0.8,
      targetMemoryUsage: 1,
    });
  });

  it('refuses counted slots together with a target, naming the count', () => {
    const error = configError(() => tuning({ WORKER_TARGET_CPU_USAGE: '0.6', WORKER_ACTIVITY_SLOTS: '10' }));
    expect(error.setting).toBe('WORKER_ACTIVITY_SLOTS');
    expect(error.message).toContain('not both');
  });

  it.each([
    ['WORKER_WORKFLOW_TASK_SLOTS', '1'], // the SDK needs 2 for sticky execution
    ['WORKER_WORKFLOW_TASK_SLOTS', 'many'],
    ['WORKER_ACTIVITY_SLOTS', '0'],
    ['WORKER_TARGET_CPU_USAGE', '80%'],
    ['WORKER_TARGET_CPU_USAGE', '0.05'],
    ['WORKER_TARGET_CPU_USAGE', '1.5'],
    ['WORKER_POLLERS', '0'],
    ['WORKER_POLLERS', 'auto'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '-1'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(configError(() => tuning({ [name]: value })).setting).toBe(name);
  });

  it('takes pollers as a maximum or autoscaling, but no more polls than workflow-task slots', () => {
    expect(tuning({ WORKER_POLLERS: '4' }).pollers).toEqual({ kind: 'maximum', maximum: 4 });
    expect(tuning({ WORKER_POLLERS: 'Autoscaling' }).pollers).toEqual({ kind: 'autoscaling' });
    expect(configError(() => tuning({ WORKER_POLLERS: '9', WORKER_WORKFLOW_TASK_SLOTS: '8' })).setting).toBe('WORKER_POLLERS');
    // Against the SDK's 40 when the count is not set; a tuner has no count to exceed.
    expect(tuning({ WORKER_POLLERS: '40' }).pollers).toEqual({ kind: 'maximum', maximum: 40 });
    expect(configError(() => tuning({ WORKER_POLLERS: '41' })).message).toContain('(40)');
    expect(tuning({ WORKER_POLLERS: '41', WORKER_TARGET_CPU_USAGE: '0.7' }).pollers).toEqual({ kind: 'maximum', maximum: 41 });
  });

  it('takes a cache size, 0 included (no sticky execution)', () => {
    expect(tuning({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).maxCachedWorkflows).toBe(0);
    expect(tuning({ WORKER_MAX_CACHED_WORKFLOWS: '500' }).maxCachedWorkflows).toBe(500);
  });
});

describe('singleHostWorkerTuning (npm run dev)', () => {
  it('gives a worker beside its server 4 workflow-task slots and 2 pollers, which the worker reads as such', () => {
    const extra = singleHostWorkerTuning({});
    expect(extra).toEqual({ WORKER_WORKFLOW_TASK_SLOTS: '4', WORKER_POLLERS: '2' });
    expect(loadWorkerConfig(workerEnv(extra)).tuning).toMatchObject({
      slots: { kind: 'fixed', workflowTasks: 4, activities: undefined },
      pollers: { kind: 'maximum', maximum: 2 },
    });
  });

  it.each([
    'WORKER_WORKFLOW_TASK_SLOTS',
    'WORKER_ACTIVITY_SLOTS',
    'WORKER_TARGET_CPU_USAGE',
    'WORKER_TARGET_MEMORY_USAGE',
    'WORKER_POLLERS',
  ])('adds nothing when %s is set, so an operator’s own choice (a CPU target included) is never mixed with it', (name) => {
    expect(singleHostWorkerTuning({ [name]: '0.7' })).toEqual({});
  });

  it('treats an empty setting as unset', () => {
    expect(singleHostWorkerTuning({ WORKER_POLLERS: ' ' })).toEqual({ WORKER_WORKFLOW_TASK_SLOTS: '4', WORKER_POLLERS: '2' });
  });
});
