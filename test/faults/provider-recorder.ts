import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/osigu/signature';

/** One POST to the provider's internal URL and what it was answered. */
export interface ProviderRequest {
  notificationId: string | undefined;
  idempotencyKey: string | undefined;
  signatureValid: boolean;
  status: number;
  /** ms since the epoch. */
  at: number;
}

export interface ProviderRecorder {
  url: string;
  requests: ProviderRequest[];
  /** Answer 503 to everything for `ms` from now (the provider's system down for a while). */
  downFor(ms: number): void;
  /** Answers accepted (2xx) per notification id. */
  acceptedCounts(): Map<string, number>;
  close(): Promise<void>;
}

/**
 * The provider's internal URL, as in test/support/provider-server.ts but with every request logged
 * (refused ones too, with times) and an outage measured in time rather than in requests.
 */
export async function startProviderRecorder(secret: string): Promise<ProviderRecorder> {
  const requests: ProviderRequest[] = [];
  let downUntil = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let notificationId: string | undefined;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { notification_id?: unknown };
        if (typeof parsed.notification_id === 'string') notificationId = parsed.notification_id;
      } catch {
        // recorded without an id; the checks will count it as malformed
      }
      const status = Date.now() < downUntil ? 503 : 204;
      const key = req.headers['idempotency-key'];
      requests.push({
        notificationId,
        idempotencyKey: typeof key === 'string' ? key : undefined,
        signatureValid: verifySignature(req.headers['x-osigu-receiver-signature'], body, {
          secrets: [secret],
          toleranceSeconds: 300,
          now: new Date(),
        }).ok,
        status,
        at: Date.now(),
      });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/osigu-outcomes`,
    requests,
    downFor(ms) {
      downUntil = Date.now() + ms;
    },
    acceptedCounts() {
      const counts = new Map<string, number>();
      for (const request of requests) {
        if (request.status >= 200 && request.status < 300 && request.notificationId !== undefined) {
          counts.set(request.notificationId, (counts.get(request.notificationId) ?? 0) + 1);
        }
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
