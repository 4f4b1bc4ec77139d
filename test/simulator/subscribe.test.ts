import { Command, CommanderError } from 'commander';
import type { OsiguApi } from '../../simulator/api/server';
import { registerSubscribeCommand } from '../../simulator/commands/subscribe';
import { OsiguClient } from '../../src/osigu-client/client';
import { CLIENT, startTestApi } from './api/harness';

interface Run {
  out: string;
  err: string;
  error: unknown;
}

/** The command as the CLI runs it, in process: commander throws instead of exiting. */
async function subscribe(args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const program = new Command('osigu-sim')
    .exitOverride()
    .configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  registerSubscribeCommand(program);
  let error: unknown;
  try {
    await program.parseAsync(['subscribe', ...args], { from: 'user' });
  } catch (caught) {
    error = caught;
  }
  return { out, err, error };
}

const credentials = ['--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret];

describe('subscribe', () => {
  let api: OsiguApi;
  // Osigu's own rule: no allowInsecureSubscriptions here.
  beforeAll(async () => {
    api = await startTestApi({ allowInsecureSubscriptions: false });
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  it('creates the subscription, prints it, and Osigu lists it', async () => {
    const run = await subscribe([
      '--url',
      'https://receiver.example/osigu/webhooks',
      '--event-types',
      'authorization.*, dispensing.*',
      '--api-base',
      api.origin,
      ...credentials,
    ]);
    expect(run.error).toBeUndefined();
    const printed = JSON.parse(run.out) as Record<string, unknown>;
    expect(printed).toMatchObject({ url: 'https://receiver.example/osigu/webhooks', event_types: ['authorization.*', 'dispensing.*'] });

    const listed = await new OsiguClient({ baseUrl: api.origin, ...CLIENT }).listSubscriptions();
    expect(listed).toEqual([printed]);
  });

  it('refuses a non-HTTPS URL with a clear message and exit code 2, before calling Osigu', async () => {
    const run = await subscribe(['--url', 'http://receiver.example/osigu/webhooks', '--api-base', api.origin, ...credentials]);
    expect(run.error).toBeInstanceOf(CommanderError);
    expect(run.error).toMatchObject({ exitCode: 2, code: 'subscribe.insecure_url' });
    expect(run.err).toContain('--url must be https://');
    expect(run.out).toBe('');
    expect(api.requests.snapshot().total).toBe(0);
  });

  it('takes an http:// URL with --allow-insecure-url, when the API accepts it', async () => {
    const local = await startTestApi({ allowInsecureSubscriptions: true });
    try {
      const run = await subscribe([
        '--url',
        'http://127.0.0.1:3000/osigu/webhooks',
        '--allow-insecure-url',
        '--api-base',
        local.origin,
        ...credentials,
      ]);
      expect(run.error).toBeUndefined();
      expect(local.subscriptions.list()).toMatchObject([{ url: 'http://127.0.0.1:3000/osigu/webhooks', event_types: ['*'] }]);
    } finally {
      await local.close();
    }
  });

  it('refuses a plain-HTTP API base that is not on this machine (the client secret would travel in clear)', async () => {
    const run = await subscribe(['--url', 'https://receiver.example/', '--api-base', 'http://sandbox.osigu.com', ...credentials]);
    expect(run.error).toMatchObject({ exitCode: 2, code: 'subscribe.insecure_api_base' });
  });

  it('reads the API base and credentials from the environment', async () => {
    const variables = { OSIGU_API_BASE_URL: api.origin, OSIGU_CLIENT_ID: CLIENT.clientId, OSIGU_CLIENT_SECRET: CLIENT.clientSecret };
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
    Object.assign(process.env, variables);
    try {
      const run = await subscribe(['--url', 'https://receiver.example/env']);
      expect(run.error).toBeUndefined();
      expect(api.subscriptions.list()).toMatchObject([{ url: 'https://receiver.example/env' }]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('waits out a 429 as Retry-After says, then succeeds', async () => {
    api.faults.set({ rateLimit429: { count: 1, retryAfterSeconds: 0 } });
    const run = await subscribe(['--url', 'https://receiver.example/', '--api-base', api.origin, ...credentials]);
    expect(run.error).toBeUndefined();
    expect(run.err).toContain('rate limited');
    expect(api.subscriptions.list()).toHaveLength(1);
  });

  it('fails with exit code 1 and the error code when Osigu refuses', async () => {
    const run = await subscribe([
      '--url',
      'https://receiver.example/',
      '--api-base',
      api.origin,
      '--client-id',
      CLIENT.clientId,
      '--client-secret',
      'wrong',
    ]);
    expect(run.error).toMatchObject({ exitCode: 1, code: 'subscribe.invalid_client' });
    expect(run.err).toContain('invalid_client');
    expect(run.err).not.toContain('wrong');
  });
});
