/**
 * Baseline 3: the pattern Osigu's integration guide shows, and this project's seed started from,
 * written plainly: read the raw body, verify the signature, parse, deduplicate with a unique key
 * in PostgreSQL (INSERT … ON CONFLICT DO NOTHING RETURNING), answer. No framework, no queue: the
 * follow-up work would be picked up from the table later. It is what the receiver must not be
 * slower than when Temporal itself stores its state in PostgreSQL.
 *
 * Settings: PORT, HOST, OSIGU_WEBHOOK_SECRET (comma-separated), WEBHOOK_PATH, BENCH_PG_URL,
 * BENCH_PG_POOL_MAX (default 10, pg's own default).
 */
import http from 'node:http';
import { Pool } from 'pg';
import { verifySignature } from '../../src/osigu/signature';

const secrets = (process.env.OSIGU_WEBHOOK_SECRET ?? '').split(',').filter((secret) => secret !== '');
const webhookPath = process.env.WEBHOOK_PATH ?? '/osigu/webhooks';
const bodyLimit = 1024 * 1024;

const pool = new Pool({ connectionString: process.env.BENCH_PG_URL, max: Number(process.env.BENCH_PG_POOL_MAX ?? '10') });

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

  // 1. The signature, over the exact bytes received.
  const signature = verifySignature(req.headers['x-osigu-signature'], body, { secrets, toleranceSeconds: 300, now: new Date() });
  if (!signature.ok) return answer(res, 401, { error: signature.code });

  // 2. The event.
  let event: { event_id?: unknown };
  try {
    event = JSON.parse(body.toString('utf8')) as { event_id?: unknown };
  } catch {
    return answer(res, 400, { error: 'invalid_json' });
  }
  if (typeof event.event_id !== 'string') return answer(res, 400, { error: 'invalid_envelope' });

  // 3. Deduplicate on event_id: the first delivery inserts, a redelivery inserts nothing. 200 either way.
  try {
    const result = await pool.query(
      'INSERT INTO osigu_events (event_id, payload) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING event_id',
      [event.event_id, body.toString('utf8')],
    );
    return answer(res, 200, { received: true, event_id: event.event_id, duplicate: result.rowCount === 0 });
  } catch {
    return answer(res, 503, { error: 'database_unavailable' });
  }
}

async function main(): Promise<void> {
  if (secrets.length === 0) throw new Error('OSIGU_WEBHOOK_SECRET is required');
  await pool.query(
    'CREATE TABLE IF NOT EXISTS osigu_events (event_id text PRIMARY KEY, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
  );
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500, { error: 'internal_error' }));
  });
  server.listen(Number(process.env.PORT ?? '3000'), process.env.HOST);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close(() => void pool.end().then(() => process.exit(0)));
      server.closeIdleConnections();
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`insert-baseline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
