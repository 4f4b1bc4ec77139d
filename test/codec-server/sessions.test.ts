import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import pino from 'pino';
import { loadCodecServerConfig } from '../../src/codec-server/config';
import { startCodecServer, type CodecServer } from '../../src/codec-server/server';
import { createSessionStore } from '../../src/codec-server/sessions';
import { ConfigError, type Env } from '../../src/config';

/*
 * Codec-server sessions: random ids kept on the server with an absolute and an idle expiry,
 * logout, Secure and __Host- behind https; and an audit line per decode and encode naming who.
 */

const TOKEN = randomBytes(32).toString('base64url');
const KEY = randomBytes(32).toString('base64');
const UI_ORIGIN = 'http://127.0.0.1:8233';
const BASE: Env = {
  CODEC_SERVER_TOKEN: TOKEN,
  PAYLOAD_ENCRYPTION_KEYS: `dev-1:${KEY}`,
  CODEC_SERVER_PORT: '0',
  CODEC_SERVER_CORS_ORIGINS: UI_ORIGIN,
};

describe('createSessionStore', () => {
  it('issues a different random id per sign-in, expires on idleness and on age, and revokes', () => {
    let clock = 0;
    const store = createSessionStore({ absoluteMs: 1_000, idleMs: 300, now: () => clock });
    const a = store.create();
    const b = store.create();
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.session.label).not.toContain(a.id.slice(0, 12));

    clock = 250;
    expect(store.touch(a.id)).toBeDefined();
    clock = 500; // a was seen at 250, b never since 0
    expect(store.touch(a.id)).toBeDefined();
    expect(store.touch(b.id)).toBeUndefined();
    clock = 700;
    expect(store.touch(a.id)).toBeDefined();
    clock = 900;
    expect(store.touch(a.id)).toBeDefined();
    clock = 1_000; // absolute expiry, however busy
    expect(store.touch(a.id)).toBeUndefined();

    const c = store.create();
    expect(store.revoke(c.id)).toBe(true);
    expect(store.touch(c.id)).toBeUndefined();
    expect(store.touch('forged')).toBeUndefined();
  });

  it('holds a bounded number of sign-ins, dropping the oldest', () => {
    const store = createSessionStore({ absoluteMs: 10_000, idleMs: 10_000, maxSessions: 2, now: () => 0 });
    const first = store.create();
    store.create();
    store.create();
    expect(store.size).toBe(2);
    expect(store.touch(first.id)).toBeUndefined();
  });
});

async function withServer(env: Env, test: (server: CodecServer, log: string[]) => Promise<void>): Promise<void> {
  const log: string[] = [];
  const config = loadCodecServerConfig({ ...BASE, ...env });
  const server = await startCodecServer(config, { logger: pino({ level: 'info' }, { write: (line: string) => void log.push(line) }) });
  try {
    await test(server, log);
  } finally {
    await server.close();
  }
}

const signIn = (server: CodecServer, headers: Record<string, string> = {}) =>
  fetch(`${server.origin}/codec/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: `token=${encodeURIComponent(TOKEN)}`,
  });
const cookieOf = (response: Response): string => (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const decode = (server: CodecServer, headers: Record<string, string>) =>
  fetch(`${server.origin}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI_ORIGIN, ...headers },
    body: JSON.stringify({
      payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('1').toString('base64') }],
    }),
  });

describe('codec server sessions', () => {
  it('each sign-in gets its own cookie; logout ends that session on the server, and only that one', async () => {
    await withServer({}, async (server) => {
      const first = cookieOf(await signIn(server));
      const second = cookieOf(await signIn(server));
      expect(first).not.toBe(second);
      expect((await decode(server, { cookie: first })).status).toBe(200);

      const out = await fetch(`${server.origin}/codec/logout`, { method: 'POST', headers: { cookie: first } });
      expect(out.status).toBe(200);
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
      // The captured value is worth nothing any more, whatever the browser's expiry said.
      expect((await decode(server, { cookie: first })).status).toBe(401);
      expect((await decode(server, { cookie: second })).status).toBe(200);
    });
  });

  it('expires after CODEC_SERVER_SESSION_IDLE without use', async () => {
    await withServer({ CODEC_SERVER_SESSION_IDLE: '300ms', CODEC_SERVER_SESSION_MAX_AGE: '1h' }, async (server) => {
      const cookie = cookieOf(await signIn(server));
      expect((await decode(server, { cookie })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await decode(server, { cookie })).status).toBe(401);
    });
  });

  it('behind an https public origin, the cookie is Secure and __Host-, and the plain name is no longer accepted', async () => {
    await withServer({ CODEC_SERVER_PUBLIC_ORIGIN: 'https://codec.example.org' }, async (server) => {
      const setCookie = (await signIn(server)).headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^__Host-osigu_codec_session=[A-Za-z0-9_-]{43}; Path=\//);
      expect(setCookie).toContain('; Secure');
      expect(setCookie).not.toContain('Domain=');
      const value = cookieOf({ headers: new Headers({ 'set-cookie': setCookie }) } as Response).split('=')[1] ?? '';
      expect((await decode(server, { cookie: `__Host-osigu_codec_session=${value}` })).status).toBe(200);
      expect((await decode(server, { cookie: `osigu_codec_session=${value}` })).status).toBe(401);
    });
  });

  it('the bearer token still works for the CLI', async () => {
    await withServer({}, async (server) => {
      expect((await decode(server, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });
  });
});

describe('codec server audit', () => {
  it('names who decoded (the SSO identity header, else the session), the namespace, the operation and the count; never the cookie', async () => {
    await withServer({ CODEC_SERVER_IDENTITY_HEADER: 'X-Forwarded-User' }, async (server, log) => {
      const cookie = cookieOf(await signIn(server));
      await decode(server, { cookie, 'x-forwarded-user': 'ana.admin@clinic.example' });
      await decode(server, { cookie });
      const lines = log.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.operation === 'decode');
      expect(lines).toEqual([
        expect.objectContaining({
          who: 'ana.admin@clinic.example',
          namespace: 'default',
          operation: 'decode',
          payloads: 1,
          auth: 'session',
        }),
        expect.objectContaining({ who: expect.stringMatching(/^session:[A-Za-z0-9_-]{12}$/) as unknown, operation: 'decode', payloads: 1 }),
      ]);
      expect(log.join('\n')).not.toContain(cookie.split('=')[1] ?? 'x');
      expect(log.join('\n')).not.toContain(TOKEN);
    });
  });

  it('a decode error tells the caller the key id it lacks, and leaves the list of known key ids to the log', async () => {
    await withServer({}, async (server, log) => {
      const other = loadCodecServerConfig({ ...BASE, PAYLOAD_ENCRYPTION_KEYS: `retired-7:${randomBytes(32).toString('base64')}` });
      const [foreign] = await other.encryption.codec.encode([defaultPayloadConverter.toPayload({ x: 1 })]);
      const body = {
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(foreign?.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
            ),
            data: Buffer.from(foreign?.data ?? []).toString('base64'),
          },
        ],
      };
      const response = await fetch(`${server.origin}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { message: string };
      expect(answer.message).toContain('"retired-7"');
      expect(answer.message).not.toContain('dev-1');
      expect(log.join('\n')).toContain('dev-1');
    });
  });
});

describe('loadCodecServerConfig (read like every other setting)', () => {
  const refused = (env: Env): string => {
    try {
      loadCodecServerConfig({ ...BASE, ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error.setting;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };
  it('refuses bad session durations, public origins and identity headers, naming the setting', () => {
    expect(refused({ CODEC_SERVER_SESSION_IDLE: '9h' })).toBe('CODEC_SERVER_SESSION_IDLE');
    expect(refused({ CODEC_SERVER_SESSION_MAX_AGE: 'soon' })).toBe('CODEC_SERVER_SESSION_MAX_AGE');
    expect(refused({ CODEC_SERVER_PUBLIC_ORIGIN: 'https://codec.example.org/path' })).toBe('CODEC_SERVER_PUBLIC_ORIGIN');
    expect(refused({ CODEC_SERVER_IDENTITY_HEADER: 'X User' })).toBe('CODEC_SERVER_IDENTITY_HEADER');
    expect(refused({ LOG_LEVEL: 'loud' })).toBe('LOG_LEVEL');
  });
});
