import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadReceiverConfig, type Env } from '../../src/config';
import { startReceiver, type Receiver } from '../../src/http/server';
import { TEST_SECRET } from '../support/delivery';
import { selfSignedCertificate } from '../support/tls';

/*
 * Native TLS: a socket that never finishes its handshake is cut off like one that never sends its
 * headers (HEADERS_TIMEOUT_MS, not Node's 120 s), and MAX_CONNECTIONS caps open connections.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'osigu-tls-admission-'));
  selfSignedCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function tlsReceiver(env: Env = {}): Promise<Receiver> {
  const config = loadReceiverConfig({
    OSIGU_WEBHOOK_SECRET: TEST_SECRET,
    OSIGU_ENVIRONMENT: 'sandbox',
    HOST: '127.0.0.1',
    PORT: '0',
    TLS_CERT_FILE: path.join(dir, 'cert.pem'),
    TLS_KEY_FILE: path.join(dir, 'key.pem'),
    HEADERS_TIMEOUT_MS: '1000',
    REQUEST_TIMEOUT_MS: '2000',
    ...env,
  });
  return startReceiver(
    config,
    { connectionOptions: { address: '127.0.0.1:1' }, namespace: 'default' },
    {
      logger: pino({ level: 'silent' }),
      startEvent: () => Promise.reject(new Error('no starts here')),
      isTemporalReachable: () => Promise.resolve(true),
    },
  );
}

async function rawSocket(origin: string): Promise<{ socket: net.Socket; closed: Promise<void>; isClosed: () => boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(origin).port) });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let closed = false;
  const closedPromise = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())));
  return { socket, closed: closedPromise, isClosed: () => closed };
}

function healthz(origin: string): Promise<number> {
  const ca = readFileSync(path.join(dir, 'cert.pem'));
  return new Promise((resolve, reject) => {
    https
      .get(`${origin}/healthz`, { ca, agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

it.each([
  ['sends nothing at all', Buffer.alloc(0)],
  ['sends 5 bytes of a ClientHello and stops', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5])],
])('a TLS client that %s is cut off (handshakeTimeout = HEADERS_TIMEOUT_MS)', async (_label, bytes) => {
  const receiver = await tlsReceiver();
  try {
    const client = await rawSocket(receiver.origin);
    if (bytes.length > 0) client.socket.write(bytes);
    // Far below Node's 120 s default; the cut-off itself comes after about 1 s.
    await Promise.race([client.closed, sleep(15_000)]);
    expect(client.isClosed()).toBe(true);
    expect(await healthz(receiver.origin)).toBe(200);
  } finally {
    await receiver.close(500);
  }
});

it('MAX_CONNECTIONS: a connection beyond the cap is closed on arrival; once one goes, a new one is served', async () => {
  const receiver = await tlsReceiver({ MAX_CONNECTIONS: '2', HEADERS_TIMEOUT_MS: '10000', REQUEST_TIMEOUT_MS: '20000' });
  try {
    const held = [await rawSocket(receiver.origin), await rawSocket(receiver.origin)];
    const third = await rawSocket(receiver.origin);
    await Promise.race([third.closed, sleep(5_000)]);
    expect(third.isClosed()).toBe(true);
    expect(held.some((client) => client.isClosed())).toBe(false);
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await sleep(100);
    expect(await healthz(receiver.origin)).toBe(200);
    held[1]?.socket.destroy();
  } finally {
    await receiver.close(500);
  }
});
