import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OsiguClient } from '../../src/osigu-client/client';
import { OsiguApiError } from '../../src/osigu-client/errors';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../src/osigu-client/retry-after';

/*
 * The API client against a hostile or misconfigured Osigu stand-in (a real local HTTP server):
 * no redirect is followed, ids cannot walk the path, and Retry-After cannot stall a workflow.
 */

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

async function server(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ origin: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const instance = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    handle(req, res);
  });
  instance.listen(0, '127.0.0.1');
  await once(instance, 'listening');
  const { port } = instance.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => instance.close(() => resolve())) };
}

function token(res: http.ServerResponse): void {
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ access_token: 'tok', token_type: 'bearer', expires_in: 3600 }));
}

async function rejection(promise: Promise<unknown>): Promise<OsiguApiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OsiguApiError);
  return error as OsiguApiError;
}

describe('redirects', () => {
  it('a resource call answered with a redirect to another origin is an error; the other origin is never asked', async () => {
    const elsewhere = await server((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}'));
    const osigu = await server((req, res) => {
      if (req.url === '/v1/oauth/token') return token(res);
      res.writeHead(302, { location: `${elsewhere.origin}/steal` }).end();
    });
    try {
      const client = new OsiguClient({ baseUrl: osigu.origin, clientId: 'c', clientSecret: 's' });
      const error = await rejection(client.getDispensation('dsp_1'));
      expect(error.code).toBe('invalid_response');
      expect(error.status).toBe(302);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await osigu.close();
      await elsewhere.close();
    }
  });

  it('the token endpoint answered with a redirect is an error, and the client secret goes nowhere else', async () => {
    const elsewhere = await server((_req, res) => token(res));
    const osigu = await server((_req, res) => res.writeHead(307, { location: `${elsewhere.origin}/v1/oauth/token` }).end());
    try {
      const client = new OsiguClient({ baseUrl: osigu.origin, clientId: 'c', clientSecret: 's' });
      await rejection(client.getDispensation('dsp_1'));
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await osigu.close();
      await elsewhere.close();
    }
  });
});

describe('path segments', () => {
  it.each(['..', '.', 'dsp_1/../../admin', 'dsp%2F1', 'Ana López', '', 'a'.repeat(129)])(
    'refuses the id %j before any request, without echoing it',
    async (id) => {
      const osigu = await server((req, res) =>
        req.url === '/v1/oauth/token' ? token(res) : res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
      );
      try {
        const client = new OsiguClient({ baseUrl: osigu.origin, clientId: 'c', clientSecret: 's' });
        for (const call of [
          client.getDispensation(id),
          client.getAuthorizationRequest(id),
          client.getPrescription(id),
          client.getSettlement(id),
        ]) {
          const error = await rejection(call);
          expect(error.code).toBe('bad_request');
          expect(error.retryable).toBe(false);
          if (id.length > 2) expect(error.message).not.toContain(id);
        }
        expect(osigu.seen.filter((request) => request.url !== '/v1/oauth/token')).toEqual([]);
      } finally {
        await osigu.close();
      }
    },
  );
});

describe('Retry-After', () => {
  it('is capped, in seconds and as a date', () => {
    expect(parseRetryAfter('999999999', 0)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter(new Date(Date.UTC(2099, 0, 1)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('30', 0)).toBe(30_000);
  });

  it('a 429 with a huge Retry-After surfaces the capped delay', async () => {
    const osigu = await server((req, res) =>
      req.url === '/v1/oauth/token' ? token(res) : res.writeHead(429, { 'retry-after': '999999999' }).end(),
    );
    try {
      const client = new OsiguClient({ baseUrl: osigu.origin, clientId: 'c', clientSecret: 's' });
      const error = await rejection(client.getDispensation('dsp_1'));
      expect(error.code).toBe('rate_limited');
      expect(error.details.retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
    } finally {
      await osigu.close();
    }
  });
});
