import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Connection } from '@temporalio/client';
import { freePort, startDevServer, temporalCliPath } from '../../scripts/dev-server';

// A port picked free can be bound by someone else before the server binds it; CI saw the dev
// server exit with `bind: address already in use` on its HTTP API port. The start picks again.

let taken: Server;
let takenPort: number;

beforeAll(async () => {
  // Held, never served: the start's readiness probe may connect here, and is hung up on.
  taken = createServer((socket) => socket.destroy());
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const address = taken.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  takenPort = address.port;
});

afterAll(async () => {
  taken.close();
  await once(taken, 'close');
});

test('a picked port taken before the server binds it: the server starts on freshly picked ports', async () => {
  const picked: number[] = [];
  // The second pick of the first attempt is the HTTP API's port, the one CI lost.
  const pickPort = async (ip: string): Promise<number> => {
    const port = picked.length === 1 ? takenPort : await freePort(ip);
    picked.push(port);
    return port;
  };
  const server = await startDevServer({ cliPath: await temporalCliPath(), pickPort });
  try {
    expect(picked[1]).toBe(takenPort);
    expect(picked.length).toBe(6);
    const connection = await Connection.connect({ address: server.address });
    try {
      await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
  } finally {
    await server.stop();
  }
}, 120_000);

test('a port the caller fixed and someone holds: a clear error, after a bounded number of tries', async () => {
  await expect(startDevServer({ cliPath: await temporalCliPath(), port: takenPort })).rejects.toThrow(/address already in use/);
}, 120_000);
