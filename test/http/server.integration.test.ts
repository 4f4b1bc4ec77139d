import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signatureHeader } from '../../src/osigu/signature';
import { fixtureEvent, TEST_SECRET } from '../support/delivery';
import { startTestReceiver, useStack } from '../support/stack';
import { selfSignedCertificate } from '../support/tls';

const stack = useStack({ worker: true });

describe('native HTTPS', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'osigu-tls-'));
    selfSignedCertificate(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function get(url: string, options: https.RequestOptions): Promise<number> {
    return new Promise((resolve, reject) => {
      https
        .get(url, options, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
        .on('error', reject);
    });
  }

  it('serves over TLS 1.2+ with the configured certificate and refuses older protocols', async () => {
    const receiver = await startTestReceiver(stack.temporal.address, {
      TLS_CERT_FILE: path.join(dir, 'cert.pem'),
      TLS_KEY_FILE: path.join(dir, 'key.pem'),
    });
    try {
      expect(receiver.origin).toMatch(/^https:\/\//);
      const ca = readFileSync(path.join(dir, 'cert.pem'));
      expect(await get(`${receiver.origin}/healthz`, { ca })).toBe(200);
      await expect(get(`${receiver.origin}/healthz`, { ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
    } finally {
      await receiver.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, finishes the request in flight with a 200, then closes', async () => {
    const receiver = await startTestReceiver(stack.temporal.address);
    const { port } = new URL(receiver.origin);
    const body = Buffer.from(JSON.stringify(fixtureEvent('settlement.paid')));
    const header = signatureHeader(body, { secrets: TEST_SECRET, timestamp: Math.floor(Date.now() / 1000) });

    // A delivery half sent when the shutdown begins.
    const socket = net.connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /osigu/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Osigu-Signature: ${header}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 10));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const socketClosed = once(socket, 'close');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const closing = receiver.close();
    // New connections are refused from now on.
    await expect(fetch(`${receiver.origin}/healthz`)).rejects.toThrow();

    socket.write(body.subarray(10));
    await closing;
    await socketClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"duplicate":false');
  });
});
