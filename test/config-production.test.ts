import { ConfigError, loadReceiverConfig, loadWorkerConfig, MAX_BODY_LIMIT_BYTES, type Env } from '../src/config';
import { DEV_RESOURCE_ID_HASH_KEY } from '../src/osigu/id-key';

/*
 * Settings that must never let a production process drop events or store PHI in clear: each
 * refusal names the setting, and none echoes a secret.
 */

const STRONG_SECRET = 'whsec_production_0123456789abcdef';
const KEYS = 'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const ID_KEY = 'a production id key of at least thirty-two bytes';

const production = (overrides: Env = {}): Env => ({
  OSIGU_ENVIRONMENT: 'production',
  OSIGU_WEBHOOK_SECRET: STRONG_SECRET,
  PAYLOAD_ENCRYPTION_KEYS: KEYS,
  RESOURCE_ID_HASH_KEY: ID_KEY,
  ...overrides,
});

function refusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, got none');
}

describe('OSIGU_ENVIRONMENT', () => {
  it.each([undefined, '', '  '])('is required by the receiver and the worker (given %j), with no default', (value) => {
    const env = { OSIGU_WEBHOOK_SECRET: STRONG_SECRET, OSIGU_ENVIRONMENT: value };
    expect(refusal(() => loadReceiverConfig(env)).setting).toBe('OSIGU_ENVIRONMENT');
    expect(refusal(() => loadWorkerConfig(env)).setting).toBe('OSIGU_ENVIRONMENT');
  });

  it('is sandbox or production, nothing else', () => {
    expect(refusal(() => loadReceiverConfig({ OSIGU_WEBHOOK_SECRET: STRONG_SECRET, OSIGU_ENVIRONMENT: 'prod' })).setting).toBe(
      'OSIGU_ENVIRONMENT',
    );
    expect(loadReceiverConfig(production()).osiguEnvironment).toBe('production');
  });
});

describe('the receiver in production', () => {
  it('starts with a strong secret, encryption keys and an id key', () => {
    expect(loadReceiverConfig(production())).toMatchObject({
      osiguEnvironment: 'production',
      webhookSecrets: [STRONG_SECRET],
      idHashKey: ID_KEY,
    });
  });

  it('refuses the published development secret, even beside a strong one', () => {
    const error = refusal(() => loadReceiverConfig(production({ OSIGU_WEBHOOK_SECRET: `${STRONG_SECRET},whsec_dev_only_not_a_secret` })));
    expect(error.setting).toBe('OSIGU_WEBHOOK_SECRET');
    expect(error.message).not.toContain('whsec_');
  });

  it('refuses a secret shorter than 24 bytes', () => {
    const error = refusal(() => loadReceiverConfig(production({ OSIGU_WEBHOOK_SECRET: 'whsec_0123456789abcd' })));
    expect(error.setting).toBe('OSIGU_WEBHOOK_SECRET');
    expect(error.message).toContain('24 bytes');
  });

  it('refuses to run without PAYLOAD_ENCRYPTION_KEYS, unless the opt-out is spelt out exactly', () => {
    const error = refusal(() => loadReceiverConfig(production({ PAYLOAD_ENCRYPTION_KEYS: '' })));
    expect(error.setting).toBe('PAYLOAD_ENCRYPTION_KEYS');
    expect(error.message).toContain('PAYLOAD_ENCRYPTION_OPT_OUT=store-phi-in-clear');
    expect(refusal(() => loadReceiverConfig(production({ PAYLOAD_ENCRYPTION_KEYS: '', PAYLOAD_ENCRYPTION_OPT_OUT: 'true' }))).setting).toBe(
      'PAYLOAD_ENCRYPTION_OPT_OUT',
    );
    expect(
      loadReceiverConfig(production({ PAYLOAD_ENCRYPTION_KEYS: '', PAYLOAD_ENCRYPTION_OPT_OUT: 'store-phi-in-clear' })).osiguEnvironment,
    ).toBe('production');
  });

  it('requires its own RESOURCE_ID_HASH_KEY: not missing, not the development key, not short', () => {
    for (const key of [undefined, DEV_RESOURCE_ID_HASH_KEY, 'short']) {
      expect(refusal(() => loadReceiverConfig(production({ RESOURCE_ID_HASH_KEY: key }))).setting).toBe('RESOURCE_ID_HASH_KEY');
    }
  });

  it('outside production: no encryption needed, and the id key defaults to the documented development key', () => {
    const config = loadReceiverConfig({ OSIGU_ENVIRONMENT: 'sandbox', OSIGU_WEBHOOK_SECRET: 'whsec_dev_only_not_a_secret' });
    expect(config.idHashKey).toBe(DEV_RESOURCE_ID_HASH_KEY);
  });
});

describe('the secret list, in every environment', () => {
  it.each([
    ['a piece that is too short', 'whsec_a_long_enough_secret,short'],
    ['a secret with a comma in it, split in two', 'whsec_0123456,789abcdefghij'],
  ])('stops the start on %s, without echoing it', (_label, value) => {
    const error = refusal(() => loadReceiverConfig({ OSIGU_ENVIRONMENT: 'sandbox', OSIGU_WEBHOOK_SECRET: value }));
    expect(error.setting).toBe('OSIGU_WEBHOOK_SECRET');
    expect(error.message).toContain('16 bytes');
    expect(error.message).not.toContain('whsec_');
  });
});

describe('WEBHOOK_BODY_LIMIT', () => {
  const sandbox = (limit: string): Env => ({
    OSIGU_ENVIRONMENT: 'sandbox',
    OSIGU_WEBHOOK_SECRET: STRONG_SECRET,
    WEBHOOK_BODY_LIMIT: limit,
  });
  it('is capped by what Temporal stores, and the error says why', () => {
    expect(loadReceiverConfig(sandbox(String(MAX_BODY_LIMIT_BYTES))).bodyLimitBytes).toBe(MAX_BODY_LIMIT_BYTES);
    const error = refusal(() => loadReceiverConfig(sandbox('2mb')));
    expect(error.setting).toBe('WEBHOOK_BODY_LIMIT');
    expect(error.message).toContain('Temporal');
    expect(error.message).toContain('2 MiB');
  });
});

describe('admission settings', () => {
  const sandbox = (overrides: Env = {}): Env => ({ OSIGU_ENVIRONMENT: 'sandbox', OSIGU_WEBHOOK_SECRET: STRONG_SECRET, ...overrides });
  it('default to bounded body reads, a per-address share, a short body deadline and a connection cap', () => {
    expect(loadReceiverConfig(sandbox())).toMatchObject({
      maxBodyReads: 256,
      maxBodyReadsPerAddress: 32,
      bodyTimeoutMs: 3_000,
      maxConnections: 1024,
      trustedProxies: undefined,
    });
  });

  it('refuse a body deadline longer than the request timeout, and a share larger than the whole', () => {
    expect(refusal(() => loadReceiverConfig(sandbox({ BODY_TIMEOUT_MS: '20000' }))).setting).toBe('BODY_TIMEOUT_MS');
    expect(refusal(() => loadReceiverConfig(sandbox({ MAX_BODY_READS: '4', MAX_BODY_READS_PER_ADDRESS: '8' }))).setting).toBe(
      'MAX_BODY_READS_PER_ADDRESS',
    );
  });

  it('read TRUSTED_PROXIES as addresses and CIDR ranges, and refuse anything else', () => {
    const { trustedProxies } = loadReceiverConfig(sandbox({ TRUSTED_PROXIES: '10.0.0.0/8, ::1' }));
    expect(trustedProxies?.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(trustedProxies?.check('11.1.2.3', 'ipv4')).toBe(false);
    for (const value of ['proxy.internal', '10.0.0.0/33', '10.0.0.0/x']) {
      expect(refusal(() => loadReceiverConfig(sandbox({ TRUSTED_PROXIES: value }))).setting).toBe('TRUSTED_PROXIES');
    }
  });
});

describe('the worker in production', () => {
  const worker = (overrides: Env = {}): Env => ({
    OSIGU_ENVIRONMENT: 'production',
    PAYLOAD_ENCRYPTION_KEYS: KEYS,
    RESOURCE_ID_HASH_KEY: ID_KEY,
    PROVIDER_WEBHOOK_URL: 'https://provider.internal/osigu',
    PROVIDER_WEBHOOK_SECRET: 'whsec_provider_0123456789abcdef',
    ...overrides,
  });

  it('starts with HTTPS URLs and a provider secret', () => {
    expect(loadWorkerConfig(worker())).toMatchObject({
      osiguEnvironment: 'production',
      providerWebhook: { url: 'https://provider.internal/osigu' },
    });
  });

  it('refuses a provider URL over http, or without a secret (notifications would go unsigned)', () => {
    expect(refusal(() => loadWorkerConfig(worker({ PROVIDER_WEBHOOK_URL: 'http://provider.internal/osigu' }))).setting).toBe(
      'PROVIDER_WEBHOOK_URL',
    );
    expect(refusal(() => loadWorkerConfig(worker({ PROVIDER_WEBHOOK_SECRET: '' }))).setting).toBe('PROVIDER_WEBHOOK_SECRET');
    expect(refusal(() => loadWorkerConfig(worker({ PROVIDER_WEBHOOK_SECRET: 'short' }))).setting).toBe('PROVIDER_WEBHOOK_SECRET');
  });

  it("refuses Osigu's API over http", () => {
    const api = { OSIGU_API_BASE_URL: 'http://api.osigu.test', OSIGU_CLIENT_ID: 'client', OSIGU_CLIENT_SECRET: 'secret' };
    expect(refusal(() => loadWorkerConfig(worker(api))).setting).toBe('OSIGU_API_BASE_URL');
  });

  it('refuses to run without encryption keys, and without an id key', () => {
    expect(refusal(() => loadWorkerConfig(worker({ PAYLOAD_ENCRYPTION_KEYS: '' }))).setting).toBe('PAYLOAD_ENCRYPTION_KEYS');
    expect(refusal(() => loadWorkerConfig(worker({ RESOURCE_ID_HASH_KEY: '' }))).setting).toBe('RESOURCE_ID_HASH_KEY');
  });

  it('outside production, an http provider URL without a secret is still allowed (the dev stack and tests)', () => {
    expect(loadWorkerConfig({ OSIGU_ENVIRONMENT: 'sandbox', PROVIDER_WEBHOOK_URL: 'http://127.0.0.1:9/x' }).providerWebhook).toEqual({
      url: 'http://127.0.0.1:9/x',
      secret: undefined,
    });
  });
});
