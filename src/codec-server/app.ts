import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Koa, { type Context } from 'koa';
import getRawBody from 'raw-body';
import { z } from 'zod';
import type { Logger } from '../logger';
import { PayloadDecryptionError } from '../temporal/codec/encryption-codec';
import type { CodecAuditLog } from './audit-log';
import { createSessionStore, type SessionStore } from './sessions';

/**
 * Temporal's remote codec protocol for the Web UI and the CLI: POST `…/decode` and `…/encode` with
 * `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}` (a Payloads message
 * in protobuf JSON), answered in the same shape. Only the last path segment is looked at, as the
 * protocol asks, so `/decode`, `/codec/decode` and a proxy's prefix all work.
 *
 * Every encode/decode is authenticated: `Authorization: Bearer <CODEC_SERVER_TOKEN>` (the CLI),
 * or, for the Web UI (which can send cookies, "include cross-origin credentials", but cannot send
 * a token of ours), a session cookie from signing in at `/codec/login`: a random id kept on the
 * server with an absolute and an idle expiry, revoked by `POST /codec/logout`, `Secure` and
 * `__Host-` when the public origin is https. Cookie sessions are only accepted from the allowed
 * origins. Every decode and encode is audited: who (the SSO proxy's identity header, else the
 * session's label, else "bearer"), the namespace, the payload count; never a payload, a token
 * or a cookie.
 */
export interface CodecAppOptions {
  codec: PayloadCodec;
  token: string;
  /** Exact origins allowed to call from a browser (the Web UI's). */
  corsOrigins: readonly string[];
  logger: Logger;
  bodyLimitBytes?: number;
  /** How long a Web UI sign-in lasts at most, and without use. */
  sessionMaxAgeMs?: number;
  sessionIdleMs?: number;
  /** CODEC_SERVER_PUBLIC_ORIGIN: an https origin makes the session cookie Secure and __Host-. */
  publicOrigin?: string | undefined;
  /** CODEC_SERVER_IDENTITY_HEADER: who the SSO proxy says is signed in, for the audit log. */
  identityHeader?: string | undefined;
  /** CODEC_SERVER_AUDIT_LOG: every decode and encode, served or refused, one line each. */
  audit?: CodecAuditLog | undefined;
  now?: () => number;
}

export const SESSION_COOKIE = 'osigu_codec_session';
/** The name over https: `__Host-` pins it to this host, every port excluded, path / and Secure. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const LOGIN_PATH = '/codec/login';
export const LOGOUT_PATH = '/codec/logout';
const IDENTITY = /^[A-Za-z0-9._@+-]{1,128}$/;
const ALLOWED_HEADERS = 'Content-Type, Authorization, X-Namespace';
const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;
const DEFAULT_SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;
const DEFAULT_SESSION_IDLE_MS = 30 * 60 * 1000;
const CODEC_PATH = /(?:^|\/)(decode|encode)$/;
const NAMESPACE = /^[A-Za-z0-9._-]{1,128}$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
// Protobuf JSON leaves out empty fields: `{}` is an empty Payloads (the CLI sends it for a query without arguments).
const jsonPayload = z.object({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});
const payloadsBody = z.strictObject({ payloads: z.array(jsonPayload).nullish() });
type JsonPayload = z.infer<typeof jsonPayload>;

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(data ?? '', 'base64'),
});

const toJson = ({ metadata, data }: Payload): { metadata: Record<string, string>; data: string } => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(data ?? new Uint8Array(0)).toString('base64'),
});

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time: both sides are hashed to 32 bytes first, so neither content nor length leaks through timing. */
function sameSecret(given: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(given), expectedDigest);
}

export function createCodecApp(options: CodecAppOptions): Koa {
  const { codec, logger, corsOrigins } = options;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const sessionMaxAge = options.sessionMaxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
  const tokenDigest = digest(options.token);
  const sessions: SessionStore = createSessionStore({
    absoluteMs: sessionMaxAge,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const secureCookie = options.publicOrigin?.startsWith('https://') === true;
  const cookieName = secureCookie ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const cookie = (value: string, maxAgeSeconds: number): string =>
    `${cookieName}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secureCookie ? '; Secure' : ''}`;
  /** Who the audit log names: the SSO proxy's user when configured and sent, else how the request proved itself. */
  const who = (ctx: Context, fallback: string): string => {
    if (options.identityHeader === undefined) return fallback;
    const value = ctx.get(options.identityHeader).trim();
    return value === '' ? fallback : IDENTITY.test(value) ? value : 'unreadable-identity';
  };
  const allowedOrigin = (ctx: Context): string | undefined => {
    const origin = ctx.get('Origin');
    return origin !== '' && corsOrigins.includes(origin) ? origin : undefined;
  };

  const app = new Koa();
  app.silent = true;

  // Answers, refusals and the one log line per request (an audit trail of who decoded what, when).
  app.use(async (ctx, next) => {
    const started = performance.now();
    const facts: Record<string, unknown> = {};
    ctx.state.facts = facts;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) throw new Refusal(404, 'not_found', 'Not found.');
    } catch (error) {
      if (error instanceof Refusal) {
        ctx.status = error.status;
        ctx.body = { error: error.code, message: error.message };
        facts.code = error.code;
        if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="codec-server"');
      } else {
        ctx.status = 500;
        ctx.body = { error: 'internal_error', message: 'Internal error.' };
        facts.code = 'internal_error';
        facts.detail = error instanceof Error ? error.name : 'non-error thrown';
      }
    } finally {
      const namespace = ctx.get('X-Namespace');
      const line = {
        method: ctx.method,
        path: ctx.path.slice(0, 128),
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        remote: ctx.req.socket.remoteAddress,
        ...(NAMESPACE.test(namespace) ? { namespace } : {}),
        ...facts,
      };
      if (options.audit !== undefined && (facts.operation === 'decode' || facts.operation === 'encode'))
        options.audit.record({
          at: new Date(options.now?.() ?? Date.now()).toISOString(),
          who: typeof facts.who === 'string' ? facts.who : 'unauthenticated',
          auth: facts.auth === 'bearer' || facts.auth === 'session' ? facts.auth : 'none',
          operation: facts.operation,
          ...(NAMESPACE.test(namespace) ? { namespace } : {}),
          ...(typeof facts.payloads === 'number' ? { payloads: facts.payloads } : {}),
          status: ctx.status,
          ...(typeof facts.code === 'string' ? { code: facts.code } : {}),
        });
      if (ctx.status >= 500) logger.error(line, 'codec request failed');
      else if (ctx.status >= 400) logger.warn(line, 'codec request refused');
      else logger.info(line, 'codec request served');
    }
  });

  // CORS for the Web UI: exact origins only, with credentials (for the session cookie).
  app.use(async (ctx, next) => {
    const origin = allowedOrigin(ctx);
    if (origin !== undefined) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
    }
    ctx.vary('Origin');
    if (ctx.method !== 'OPTIONS') {
      await next();
      return;
    }
    if (origin === undefined)
      throw new Refusal(403, 'origin_not_allowed', 'This origin may not call the codec server (CODEC_SERVER_CORS_ORIGINS).');
    ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    ctx.set('Access-Control-Max-Age', '600');
    // Chrome's Private Network Access: a Web UI on a public origin calling a codec server on loopback.
    if (ctx.get('Access-Control-Request-Private-Network') === 'true') ctx.set('Access-Control-Allow-Private-Network', 'true');
    ctx.status = 204;
    ctx.body = '';
  });

  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz' && ctx.method === 'GET') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === LOGIN_PATH) {
      await login(ctx);
      return;
    }
    if (ctx.path === LOGOUT_PATH) {
      logout(ctx);
      return;
    }
    const match = CODEC_PATH.exec(ctx.path);
    if (match === null) {
      await next();
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST, OPTIONS');
      throw new Refusal(405, 'method_not_allowed', 'Use POST.');
    }
    const facts = ctx.state.facts as Record<string, unknown>;
    // Named before the caller is checked, so a refused attempt is audited as one.
    facts.operation = match[1];
    const proof = authenticate(ctx);
    facts.auth = proof.auth;
    facts.who = who(ctx, proof.who);
    if (!ctx.is('application/json')) throw new Refusal(415, 'unsupported_media_type', 'Send application/json.');
    const payloads = await readPayloads(ctx);
    facts.payloads = payloads.length;
    let result: Payload[];
    try {
      result = match[1] === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    } catch (error) {
      if (error instanceof PayloadDecryptionError) {
        // The detail (key ids known here) is for the operator's log, not for the caller.
        facts.detail = error.message;
        throw new Refusal(
          400,
          'decode_failed',
          `A payload could not be decrypted${error.keyId === undefined ? '' : ` (key id ${JSON.stringify(error.keyId.slice(0, 64))})`}; the codec server log has the detail.`,
        );
      }
      throw error;
    }
    ctx.type = 'application/json';
    ctx.body = { payloads: result.map(toJson) };
  });

  /** How the request proved itself: a bearer token, or a live Web UI session from an allowed origin. */
  function authenticate(ctx: Context): { auth: 'bearer' | 'session'; who: string } {
    const header = ctx.get('Authorization');
    if (header !== '') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match?.[1] !== undefined && sameSecret(match[1], tokenDigest)) return { auth: 'bearer', who: 'bearer' };
      throw new Refusal(401, 'unauthorized', 'A valid bearer token is required.');
    }
    const id = ctx.cookies.get(cookieName);
    const session = id !== undefined && allowedOrigin(ctx) !== undefined ? sessions.touch(id) : undefined;
    if (session !== undefined) return { auth: 'session', who: `session:${session.label}` };
    throw new Refusal(401, 'unauthorized', `A bearer token is required (or sign in at ${LOGIN_PATH} and include credentials).`);
  }

  /** Ends this browser's session on the server, whatever the cookie's own expiry says. */
  function logout(ctx: Context): void {
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST');
      throw new Refusal(405, 'method_not_allowed', 'Use POST.');
    }
    const id = ctx.cookies.get(cookieName);
    const facts = ctx.state.facts as Record<string, unknown>;
    facts.auth = 'logout';
    facts.revoked = id !== undefined && sessions.revoke(id);
    ctx.append('Set-Cookie', cookie('', 0));
    ctx.body = { signedOut: true };
  }

  async function readPayloads(ctx: Context): Promise<Payload[]> {
    let text: string;
    try {
      text = await getRawBody(ctx.req, { limit: bodyLimit, encoding: 'utf-8' });
    } catch (error) {
      if ((error as { type?: unknown }).type === 'entity.too.large')
        throw new Refusal(413, 'body_too_large', `Bodies up to ${bodyLimit} bytes.`);
      throw new Refusal(400, 'body_incomplete', 'The body could not be read.');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Refusal(400, 'invalid_json', 'The body is not JSON.');
    }
    const parsed = payloadsBody.safeParse(json);
    if (!parsed.success) throw new Refusal(400, 'invalid_request', 'Expected {"payloads": [{"metadata": {…base64}, "data": "base64"}]}.');
    return (parsed.data.payloads ?? []).map(fromJson);
  }

  /** The Web UI sends cookies, not our token: signing in here once turns the token into a session cookie. */
  async function login(ctx: Context): Promise<void> {
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    ctx.type = 'text/html; charset=utf-8';
    if (ctx.method === 'GET') {
      ctx.body = page('Sign in to the codec server', loginForm(''));
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'GET, POST');
      throw new Refusal(405, 'method_not_allowed', 'Use GET or POST.');
    }
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await getRawBody(ctx.req, { limit: 4_096, encoding: 'utf-8' }));
    } catch {
      throw new Refusal(400, 'invalid_request', 'Send the sign-in form.');
    }
    const token = form.get('token')?.trim() ?? '';
    const facts = ctx.state.facts as Record<string, unknown>;
    if (!sameSecret(token, tokenDigest)) {
      facts.code = 'unauthorized';
      ctx.status = 401;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = page('Sign in to the codec server', loginForm('That is not the codec server token.'));
      return;
    }
    const { id, session } = sessions.create();
    ctx.append('Set-Cookie', cookie(id, Math.floor(sessionMaxAge / 1000)));
    facts.auth = 'login';
    facts.who = who(ctx, `session:${session.label}`);
    ctx.body = page(
      'Signed in',
      `<p>This browser may now decode payloads for the Temporal Web UI for ${Math.round(sessionMaxAge / 3_600_000)} h at most (less when left unused);
<code>POST ${LOGOUT_PATH}</code> ends the session.</p>
<p>In the Web UI, open on the same host name as this page (127.0.0.1 or localhost, not a mix): the <b>Codec Server</b>
button in the top bar, <b>Use my browser setting and ignore Cluster-level setting.</b>, this server as the endpoint
(<code>${escapeHtml(`${ctx.protocol}://${ctx.host}`)}</code>), switch on <b>Include cross-origin credentials</b>, <b>Apply</b>. The cluster-level
setting alone sends no cookie.</p>`,
    );
  }

  return app;
}

/** The origin comes from the Host header: never into HTML unescaped. */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function loginForm(error: string): string {
  return `${error === '' ? '' : `<p class="error">${error}</p>`}
<form method="post" action="${LOGIN_PATH}">
  <label>Codec server token (CODEC_SERVER_TOKEN)<br><input type="password" name="token" autocomplete="off" size="50" autofocus required></label>
  <button type="submit">Sign in</button>
</form>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}.error{color:#b00}</style></head>
<body><h1>${title}</h1>${body}</body></html>
`;
}
