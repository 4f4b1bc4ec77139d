import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as it arrived: raw bytes, never re-decoded. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  receivedAt: Date;
}

/** Decides the answer; may hold it back (a slow or hung receiver) by not ending `res`. */
export type Answer = (request: ReceivedRequest, index: number, res: ServerResponse) => void | Promise<void>;

export interface RecordingReceiver {
  url: string;
  origin: string;
  requests: ReceivedRequest[];
  /** Requests being handled right now, and the most there ever were. */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

export const answerWith =
  (status: number, headers: Record<string, string> = {}) =>
  (_request: ReceivedRequest, _index: number, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end('{}');
  };

/** A plain node:http server standing in for a receiver: it records every request and answers as told. */
export async function startRecordingReceiver(answer: Answer = answerWith(200)): Promise<RecordingReceiver> {
  const requests: ReceivedRequest[] = [];
  const inFlight = { now: 0, max: 0 };
  const server = http.createServer((req, res) => {
    inFlight.now += 1;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    res.on('close', () => (inFlight.now -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        receivedAt: new Date(),
      };
      requests.push(request);
      void Promise.resolve(answer(request, requests.length - 1, res)).catch(() => res.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/osigu/webhooks`,
    origin,
    requests,
    inFlight,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export function eventIdOf(request: ReceivedRequest): string {
  return (JSON.parse(request.body.toString('utf8')) as { event_id: string }).event_id;
}
