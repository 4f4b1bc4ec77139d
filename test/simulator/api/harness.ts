import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientCredentials } from '../../../simulator/api/client-credentials';
import { startOsiguApi, type OsiguApi, type OsiguApiOptions } from '../../../simulator/api/server';
import { TEST_SECRET } from '../../support/delivery';

export const CLIENT: ClientCredentials = { clientId: 'test-client', clientSecret: 'test_client_secret_0123' };
export const OTHER_CLIENT: ClientCredentials = { clientId: 'other-client', clientSecret: 'other_client_secret_4567' };

/** The stand-in as tests use it: two known clients, local subscribers allowed, the test secret. */
export function startTestApi(options: OsiguApiOptions = {}): Promise<OsiguApi> {
  return startOsiguApi({ clients: [CLIENT, OTHER_CLIENT], allowInsecureSubscriptions: true, webhookSecrets: TEST_SECRET, ...options });
}

export function basicAuth({ clientId, clientSecret }: ClientCredentials): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

export function requestToken(api: OsiguApi, client: ClientCredentials = CLIENT, body = 'grant_type=client_credentials'): Promise<Response> {
  return fetch(`${api.origin}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

export async function accessToken(api: OsiguApi, client: ClientCredentials = CLIENT): Promise<string> {
  const response = await requestToken(api, client);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

export function call(api: OsiguApi, method: string, path: string, token?: string, body?: unknown): Promise<Response> {
  return fetch(`${api.origin}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

export function admin(api: OsiguApi, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  return call(api, method, `/__admin${path}`, undefined, body);
}

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Subscriber {
  url: string;
  deliveries: Delivery[];
  /** The next delivery not yet taken by an earlier call. */
  next(): Promise<Delivery>;
  close(): Promise<void>;
}

/** A receiver on loopback that keeps every delivery's exact bytes and answers 200. */
export async function startSubscriber(): Promise<Subscriber> {
  const deliveries: Delivery[] = [];
  const waiting: ((delivery: Delivery) => void)[] = [];
  let taken = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const delivery = { headers: req.headers, body: Buffer.concat(chunks) };
      deliveries.push(delivery);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      const waiter = waiting.shift();
      if (waiter) {
        taken += 1;
        waiter(delivery);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/osigu/webhooks`,
    deliveries,
    next() {
      const ready = deliveries[taken];
      if (ready !== undefined) {
        taken += 1;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
