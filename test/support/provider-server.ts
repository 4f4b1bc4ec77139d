import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/osigu/signature';

export interface ReceivedNotification {
  idempotencyKey: string | undefined;
  signatureValid: boolean;
  body: { notification_id: string; kind: string; resource: { type: string; id: string }; details: Record<string, unknown> };
}

export interface ProviderServer {
  url: string;
  received: ReceivedNotification[];
  /** Answer the next `count` requests with `status` (the provider's system having a bad day). */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

/** A stand-in for the provider's own internal URL: records what it is told and checks the signature. */
export async function startProviderServer(secret: string): Promise<ProviderServer> {
  const received: ReceivedNotification[] = [];
  let failures = 0;
  let failureStatus = 503;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        res.writeHead(failureStatus).end();
        return;
      }
      const body = Buffer.concat(chunks);
      const verification = verifySignature(req.headers['x-osigu-receiver-signature'], body, {
        secrets: [secret],
        toleranceSeconds: 300,
        now: new Date(),
      });
      received.push({
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        signatureValid: verification.ok,
        body: JSON.parse(body.toString('utf8')) as ReceivedNotification['body'],
      });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/osigu-outcomes`,
    received,
    failNext(count, status = 503) {
      failures = count;
      failureStatus = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
