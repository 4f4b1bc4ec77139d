import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { codecAuditRecord } from '../../src/codec-server/audit-log';
import { loadCodecServerConfig, type CodecServerConfig } from '../../src/codec-server/config';
import { startCodecServer, type CodecServer } from '../../src/codec-server/server';
import { ConfigError, type Env } from '../../src/config';
import { loadPayloadEncryption } from '../../src/temporal/codec/settings';
import { FIXTURES_DIR } from '../support/delivery';
import { loadFixture } from '../../simulator/events/fixtures';

const TOKEN = randomBytes(32).toString('base64url');
const KEY = randomBytes(32).toString('base64');
const UI_ORIGIN = 'http://127.0.0.1:8233';
const ENV: Env = {
  CODEC_SERVER_TOKEN: TOKEN,
  PAYLOAD_ENCRYPTION_KEYS: `dev-1:${KEY}`,
  CODEC_SERVER_PORT: '0',
  CODEC_SERVER_CORS_ORIGINS: UI_ORIGIN,
};

const prescription: Record<string, unknown> = loadFixture('prescription.issued', { dir: FIXTURES_DIR }).event;

let server: CodecServer;
let config: CodecServerConfig;
const logLines: string[] = [];

beforeAll(async () => {
  config = loadCodecServerConfig(ENV);
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  server = await startCodecServer(config, { logger });
});

afterAll(async () => {
  await server?.close();
});

type JsonPayload = { metadata: Record<string, string>; data: string };
const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data, 'base64'),
});

async function encrypted(value: unknown): Promise<JsonPayload> {
  const [payload] = await config.encryption.codec.encode([defaultPayloadConverter.toPayload(value)]);
  return toJson(payload ?? {});
}

function post(pathname: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.origin}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };

describe('codec server: authentication', () => {
  it('answers 401 without a token, with a wrong one, with one of another length, and with another scheme', async () => {
    const body = { payloads: [await encrypted(prescription)] };
    for (const headers of [
      {},
      { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(1)}` },
      { authorization: `Basic ${TOKEN}` },
    ]) {
      const response = await post('/codec/decode', body, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      const answer = (await response.json()) as { error: string };
      expect(answer.error).toBe('unauthorized');
      expect(JSON.stringify(answer)).not.toContain('Ana');
    }
  });

  it('decodes with the token: 200 and the payload as it was before encryption', async () => {
    const response = await post('/codec/decode', { payloads: [await encrypted(prescription), await encrypted({ n: 1 })] }, bearer);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
    expect(payloads.map((payload) => defaultPayloadConverter.fromPayload(fromJson(payload)))).toEqual([prescription, { n: 1 }]);
    expect(Buffer.from(payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
  });

  it('serves any path ending in /decode or /encode, as the protocol asks (the Web UI calls <endpoint>/decode)', async () => {
    for (const pathname of ['/decode', '/codec/decode', '/some/prefix/decode']) {
      const response = await post(pathname, { payloads: [await encrypted('x')] }, bearer);
      expect({ pathname, status: response.status }).toEqual({ pathname, status: 200 });
    }
  });

  it('encodes with the token: what it returns is encrypted and decrypts with the same keys', async () => {
    const response = await post('/codec/encode', { payloads: [toJson(defaultPayloadConverter.toPayload(prescription))] }, bearer);
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
    const stored = fromJson(payloads[0] ?? { metadata: {}, data: '' });
    expect(Buffer.from(stored.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(stored.metadata?.['encryption-key-id'] ?? []).toString()).toBe('dev-1');
    expect(Buffer.from(stored.data ?? []).includes(Buffer.from('López'))).toBe(false);
    const [decoded] = await config.encryption.codec.decode([stored]);
    expect(defaultPayloadConverter.fromPayload(decoded ?? {})).toEqual(prescription);
  });

  it('passes unencrypted payloads through decode, and names an unknown key id (400) without decoding anything else', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload({ before: 'encryption' }));
    const passed = await post('/codec/decode', { payloads: [plain] }, bearer);
    expect(passed.status).toBe(200);
    expect(((await passed.json()) as { payloads: JsonPayload[] }).payloads).toEqual([plain]);

    const other = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: `retired-7:${randomBytes(32).toString('base64')}` });
    const [foreign] = (await other?.codec.encode([defaultPayloadConverter.toPayload(prescription)])) ?? [];
    const refused = await post('/codec/decode', { payloads: [toJson(foreign ?? {})] }, bearer);
    expect(refused.status).toBe(400);
    const answer = (await refused.json()) as { error: string; message: string };
    expect(answer.error).toBe('decode_failed');
    expect(answer.message).toContain('"retired-7"');
  });

  it('refuses what is not the protocol: 415, 400, 405, 404', async () => {
    expect((await post('/codec/decode', '{"payloads": []}', { ...bearer, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/codec/decode', '{"payloads": [', bearer)).status).toBe(400);
    expect((await post('/codec/decode', { payloads: [{ data: '***' }] }, bearer)).status).toBe(400);
    expect((await post('/codec/decode', { nope: true }, bearer)).status).toBe(400);
    expect((await fetch(`${server.origin}/codec/decode`, { headers: bearer })).status).toBe(405);
    expect((await post('/codec/other', { payloads: [] }, bearer)).status).toBe(404);
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('answers an empty list with an empty list, also when protobuf JSON leaves the field out (the CLI, for a query without arguments)', async () => {
    for (const body of [{ payloads: [] }, {}]) {
      const response = await post('/codec/encode', body, bearer);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ payloads: [] });
    }
  });
});

describe('codec server: CORS for the Web UI', () => {
  it('answers the preflight from the Web UI origin with the methods, headers and credentials the UI needs', async () => {
    const response = await fetch(`${server.origin}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization,x-namespace',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization, X-Namespace');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('allows a Web UI on a public origin to reach it on loopback (Chrome private network access)', async () => {
    const response = await fetch(`${server.origin}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
    });
    expect(response.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('refuses the preflight from any other origin, and names no origin to it', async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:9999', 'null']) {
      const response = await fetch(`${server.origin}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('marks answers (refusals too) for the Web UI origin, so the browser can read them', async () => {
    const ok = await post('/codec/decode', { payloads: [] }, { ...bearer, origin: UI_ORIGIN });
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const refused = await post('/codec/decode', { payloads: [] }, { origin: UI_ORIGIN });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const foreign = await post('/codec/decode', { payloads: [] }, { ...bearer, origin: 'http://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('codec server: Web UI sign-in (include cross-origin credentials)', () => {
  const signIn = (token: string): Promise<Response> =>
    fetch(`${server.origin}/codec/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      redirect: 'manual',
    });

  it('shows a sign-in form that loads nothing from elsewhere', async () => {
    const response = await fetch(`${server.origin}/codec/login`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await response.text()).toContain('name="token"');
  });

  it('refuses a wrong token and sets no cookie', async () => {
    const response = await signIn('wrong');
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('turns the token into an HttpOnly, SameSite=Strict session cookie that decodes only from the Web UI origin', async () => {
    const response = await signIn(TOKEN);
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^osigu_codec_session=/);
    expect(setCookie.toLowerCase()).toContain('httponly');
    expect(setCookie.toLowerCase()).toContain('samesite=strict');
    expect(setCookie).not.toContain(TOKEN);
    expect(await response.text()).toContain(`<code>${server.origin}</code>`);
    const cookie = setCookie.split(';')[0] ?? '';

    const body = { payloads: [await encrypted(prescription)] };
    const fromUi = await post('/codec/decode', body, { cookie, origin: UI_ORIGIN });
    expect(fromUi.status).toBe(200);
    const { payloads } = (await fromUi.json()) as { payloads: JsonPayload[] };
    expect(defaultPayloadConverter.fromPayload(fromJson(payloads[0] ?? { metadata: {}, data: '' }))).toEqual(prescription);

    expect((await post('/codec/decode', body, { cookie })).status).toBe(401);
    expect((await post('/codec/decode', body, { cookie, origin: 'http://evil.example' })).status).toBe(401);
    expect((await post('/codec/decode', body, { cookie: 'osigu_codec_session=forged', origin: UI_ORIGIN })).status).toBe(401);
  });
});

describe('codec server: logs', () => {
  it('logs one line per request with counts and decisions, never a token, a cookie or a payload', async () => {
    await post('/codec/decode', { payloads: [await encrypted(prescription)] }, bearer);
    const all = logLines.join('\n');
    expect(all).toContain('"payloads":1');
    expect(all).toContain('"auth":"bearer"');
    expect(all).toContain('"namespace":"default"');
    for (const secret of [TOKEN, KEY, 'Ana', 'López', 'R51', 'bnf_01HW8GQ2KMNP3F4R5T6Y7U8V9W'])
      expect({ secret, logged: all.includes(secret) }).toEqual({ secret, logged: false });
  });
});

describe('codec server: the audit file (CODEC_SERVER_AUDIT_LOG)', () => {
  it('appends one line per decode or encode, served or refused: who, how, which namespace, how many, the answer; nothing else', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'codec-audit-')), 'audit.log');
    const audited = await startCodecServer(loadCodecServerConfig({ ...ENV, CODEC_SERVER_AUDIT_LOG: file }), {
      logger: pino({ level: 'silent' }),
    });
    const call = (pathname: string, headers: Record<string, string>): Promise<Response> =>
      fetch(`${audited.origin}${pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: JSON.stringify({ payloads: [payload] }),
      });
    const payload = await encrypted(prescription);
    try {
      expect((await call('/codec/decode', bearer)).status).toBe(200);
      expect((await call('/codec/encode', bearer)).status).toBe(200);
      expect((await call('/codec/decode', {})).status).toBe(401);
      expect((await call('/codec/decode', { authorization: 'Bearer wrong' })).status).toBe(401);
      // Not a codec request: not audited.
      expect((await fetch(`${audited.origin}/healthz`)).status).toBe(200);
    } finally {
      await audited.close();
    }
    const text = readFileSync(file, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => codecAuditRecord.parse(JSON.parse(line)));
    expect(lines.map(({ at: _at, ...rest }) => rest)).toEqual([
      { who: 'bearer', auth: 'bearer', operation: 'decode', namespace: 'default', payloads: 1, status: 200 },
      { who: 'bearer', auth: 'bearer', operation: 'encode', namespace: 'default', payloads: 1, status: 200 },
      { who: 'unauthenticated', auth: 'none', operation: 'decode', namespace: 'default', status: 401, code: 'unauthorized' },
      { who: 'unauthenticated', auth: 'none', operation: 'decode', namespace: 'default', status: 401, code: 'unauthorized' },
    ]);
    for (const line of lines) expect(Number.isNaN(Date.parse(line.at))).toBe(false);
    for (const secret of [TOKEN, KEY, 'López', payload.data]) expect(text.includes(secret)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to start when it cannot write the audit file', async () => {
    await expect(
      startCodecServer(loadCodecServerConfig({ ...ENV, CODEC_SERVER_AUDIT_LOG: '/nonexistent-dir/audit.log' }), {
        logger: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(/ENOENT/);
  });
});

describe('loadCodecServerConfig', () => {
  const refused = (env: Env): ConfigError => {
    try {
      loadCodecServerConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults to 127.0.0.1:8888 and the dev Web UI origins', () => {
    const loaded = loadCodecServerConfig({ CODEC_SERVER_TOKEN: TOKEN, PAYLOAD_ENCRYPTION_KEYS: `k:${KEY}` });
    expect(loaded).toMatchObject({
      host: '127.0.0.1',
      port: 8888,
      corsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
      logLevel: 'info',
    });
  });

  it('is off without a token: it will not start, and says so', () => {
    expect(refused({ PAYLOAD_ENCRYPTION_KEYS: `k:${KEY}` }).setting).toBe('CODEC_SERVER_TOKEN');
    expect(refused({ CODEC_SERVER_TOKEN: 'short', PAYLOAD_ENCRYPTION_KEYS: `k:${KEY}` }).message).toContain('at least 32 characters');
  });

  it('needs the keys, and a port and origins that parse', () => {
    expect(refused({ CODEC_SERVER_TOKEN: TOKEN }).setting).toBe('PAYLOAD_ENCRYPTION_KEYS');
    expect(refused({ CODEC_SERVER_TOKEN: TOKEN, PAYLOAD_ENCRYPTION_KEYS: 'k:nope' }).setting).toBe('PAYLOAD_ENCRYPTION_KEYS');
    expect(refused({ CODEC_SERVER_TOKEN: TOKEN, PAYLOAD_ENCRYPTION_KEYS: `k:${KEY}`, CODEC_SERVER_PORT: '70000' }).setting).toBe(
      'CODEC_SERVER_PORT',
    );
    expect(refused({ CODEC_SERVER_TOKEN: TOKEN, PAYLOAD_ENCRYPTION_KEYS: `k:${KEY}`, CODEC_SERVER_CORS_ORIGINS: '*' }).setting).toBe(
      'CODEC_SERVER_CORS_ORIGINS',
    );
    expect(
      refused({ CODEC_SERVER_TOKEN: TOKEN, PAYLOAD_ENCRYPTION_KEYS: `k:${KEY}`, CODEC_SERVER_CORS_ORIGINS: 'http://127.0.0.1:8233/path' })
        .setting,
    ).toBe('CODEC_SERVER_CORS_ORIGINS');
  });
});
