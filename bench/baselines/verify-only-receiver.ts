/**
 * Baseline 4: what any Node HTTP receiver of these events must do at least, and nothing more:
 * read the raw body, verify the signature, parse the JSON, answer 200. No framework, no store, no
 * Temporal: the upper bound for our HTTP layer on this machine. The same skeleton as baseline 3
 * without its INSERT, so 3 against 4 is the price of the database round trip.
 *
 * Settings: PORT, HOST, OSIGU_WEBHOOK_SECRET (comma-separated), WEBHOOK_PATH.
 */
import http from 'node:http';
import { verifySignature } from '../../src/osigu/signature';

const secrets = (process.env.OSIGU_WEBHOOK_SECRET ?? '').split(',').filter((secret) => secret !== '');
const webhookPath = process.env.WEBHOOK_PATH ?? '/osigu/webhooks';
const bodyLimit = 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > bodyLimit) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== webhookPath) return answer(res, 404, { error: 'not_found' });

  const body = await readBody(req);
  if (body === undefined) return answer(res, 413, { error: 'body_too_large' });

  const signature = verifySignature(req.headers['x-osigu-signature'], body, { secrets, toleranceSeconds: 300, now: new Date() });
  if (!signature.ok) return answer(res, 401, { error: signature.code });

  let event: { event_id?: unknown };
  try {
    event = JSON.parse(body.toString('utf8')) as { event_id?: unknown };
  } catch {
    return answer(res, 400, { error: 'invalid_json' });
  }
  if (typeof event.event_id !== 'string') return answer(res, 400, { error: 'invalid_envelope' });
  return answer(res, 200, { received: true, event_id: event.event_id, duplicate: false });
}

if (secrets.length === 0) {
  process.stderr.write('verify-only: OSIGU_WEBHOOK_SECRET is required\n');
  process.exit(78);
}
const server = http.createServer((req, res) => {
  handle(req, res).catch(() => answer(res, 500, { error: 'internal_error' }));
});
server.listen(Number(process.env.PORT ?? '3000'), process.env.HOST);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
