import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ApiAnswer = 'forbidden' | 'malformed' | 'not_found' | 'pending_review';

export interface RefusingApi {
  origin: string;
  /** How every resource GET is answered from now on. */
  answer: ApiAnswer;
  /** Resource GETs served, by path prefix. */
  served: string[];
  close(): Promise<void>;
}

/**
 * Osigu's API on a bad day, as a real local HTTP server: tokens are issued normally, and every
 * resource lookup is answered 403 (a revoked scope), 200 with a body that is not an object, 404,
 * or (authorizations) a status that is not an approval.
 */
export async function startRefusingApi(initial: ApiAnswer): Promise<RefusingApi> {
  const state: { answer: ApiAnswer } = { answer: initial };
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/oauth/token') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'tok_refusing', token_type: 'bearer', expires_in: 3600, scope: 'all' }));
        return;
      }
      served.push(`${req.method} ${(req.url ?? '').split('/').slice(0, 3).join('/')}`);
      if (state.answer === 'forbidden')
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'insufficient_scope' }));
      else if (state.answer === 'malformed') res.writeHead(200, { 'content-type': 'application/json' }).end('["not", "an", "object"]');
      else if (state.answer === 'pending_review') {
        const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ authorization_id: id, status: 'PENDING_REVIEW', products: [{ product_code: 'MED-042', quantity: 30 }] }));
      } else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get answer() {
      return state.answer;
    },
    set answer(next: ApiAnswer) {
      state.answer = next;
    },
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
