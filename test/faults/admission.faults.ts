import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { signatureHeader } from '../../src/osigu/signature';
import { fixtureEvent, TEST_SECRET } from '../support/delivery';
import { FaultStack } from './fault-stack';
import { RESULTS_DIR } from './results';

/*
 * Hostile traffic cannot lock Osigu out. Against the real receiver process at its default
 * settings, with Temporal and a worker behind it: 400 slow connections from one loopback address
 * (a fresh `t`, a garbage `v1`, a declared 1 MB body sent one byte every 400 ms, each reopened a
 * quarter second after it is closed), while signed deliveries come from another loopback address.
 * Goal: at least 99 % of the signed deliveries get 200 on their first try, none is lost, and the
 * receiver stays healthy with bounded memory. The figures go to docs/faults/admission.md.
 */

const SLOW_CONNECTIONS = 400;
const BYTE_EVERY_MS = 400;
const REOPEN_AFTER_MS = 250;
const DELIVERIES = 200;
const DELIVERY_EVERY_MS = 100;
const WARM_UP_MS = 3_000;
/** Bodies read at once are bounded (256 × 1 MiB at worst); a leak would pass it within the run. */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;
const EVENT_TYPES = ['authorization.created', 'dispensing.started', 'prescription.issued', 'settlement.paid'] as const;

interface Attack {
  stop(): Promise<void>;
  stats(): { opened: number; answered: Record<string, number>; open: number };
}

/** The slow clients, all from 127.0.0.1. */
function slowClients(port: number): Attack {
  let running = true;
  let opened = 0;
  let open = 0;
  const answered: Record<string, number> = {};
  const loops: Promise<void>[] = [];
  const one = async (): Promise<void> => {
    while (running) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
        let timer: NodeJS.Timeout | undefined;
        let head = '';
        socket.on('error', () => undefined);
        socket.on('connect', () => {
          opened += 1;
          open += 1;
          socket.write(
            `POST /osigu/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n` +
              `X-Osigu-Signature: t=${Math.floor(Date.now() / 1000)},v1=${'0f'.repeat(32)}\r\n\r\n`,
          );
          timer = setInterval(() => socket.write('x'), BYTE_EVERY_MS);
        });
        socket.on('data', (chunk: Buffer) => {
          if (head.length < 64) head += chunk.toString('latin1');
        });
        socket.on('close', () => {
          if (timer !== undefined) {
            clearInterval(timer);
            open -= 1;
          }
          const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 'no answer';
          answered[status] = (answered[status] ?? 0) + 1;
          setTimeout(resolve, REOPEN_AFTER_MS);
        });
        // The test's end closes whatever is still open.
        const check = setInterval(() => {
          if (!running) {
            clearInterval(check);
            socket.destroy();
          }
        }, 200);
        socket.once('close', () => clearInterval(check));
      });
    }
  };
  for (let index = 0; index < SLOW_CONNECTIONS; index += 1) loops.push(one());
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
    stats: () => ({ opened, answered: { ...answered }, open }),
  };
}

/** One signed delivery from 127.0.0.2 on a fresh connection: its status, or the error's code. */
function deliverFrom(origin: string, body: Buffer): Promise<number | string> {
  const url = new URL('/osigu/webhooks', origin);
  const header = signatureHeader(body, { secrets: TEST_SECRET, timestamp: Math.floor(Date.now() / 1000) });
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        localAddress: '127.0.0.2',
        agent: false,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'x-osigu-signature': header, 'content-length': body.length },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    request.end(body);
  });
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function healthOf(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

it('400 slow unsigned bodies from one address: at least 99 % of signed deliveries from another get 200 on the first try', async () => {
  const stack = await FaultStack.start();
  let attack: Attack | undefined;
  try {
    const origin = stack.receiverOrigin(0);
    const pid = stack.receiverPid(0);
    const rssAtStart = rssOf(pid);
    let rssPeak = rssAtStart;
    let healthChecks = 0;
    let healthFailures = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        rssPeak = Math.max(rssPeak, rssOf(pid));
        healthChecks += 1;
        if (!(await healthOf(origin))) healthFailures += 1;
        await sleep(500);
      }
    })();

    attack = slowClients(Number(new URL(origin).port));
    await sleep(WARM_UP_MS);
    const heldAtStart = attack.stats().open;

    const events = Array.from({ length: DELIVERIES }, (_, index) => fixtureEvent(EVENT_TYPES[index % EVENT_TYPES.length] as string));
    const answers: (number | string)[] = [];
    const pending: Promise<void>[] = [];
    for (const event of events) {
      pending.push(deliverFrom(origin, Buffer.from(JSON.stringify(event))).then((status) => void answers.push(status)));
      await sleep(DELIVERY_EVERY_MS);
    }
    await Promise.all(pending);
    const attackStats = attack.stats();
    await attack.stop();
    attack = undefined;
    sampling = false;
    await sampler;

    const firstTry = answers.filter((status) => status === 200).length;
    const others: Record<string, number> = {};
    for (const status of answers) if (status !== 200) others[String(status)] = (others[String(status)] ?? 0) + 1;

    // Nothing acknowledged is missing from Temporal (lost: acknowledged, yet no workflow).
    const acknowledged = events.filter((_, index) => answers[index] === 200);
    let missing = 0;
    await stack.withClient(async (client) => {
      for (const event of acknowledged) {
        try {
          await client.workflow.getHandle(String(event.event_id)).describe();
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) missing += 1;
          else throw error;
        }
      }
    });
    const lost = missing;

    const share = firstTry / DELIVERIES;
    const row = {
      fault: `${SLOW_CONNECTIONS} slow unsigned bodies from 127.0.0.1 (1 byte / ${BYTE_EVERY_MS} ms, reopened after ${REOPEN_AFTER_MS} ms)`,
      deliveries: DELIVERIES,
      firstTry,
      share: `${(share * 100).toFixed(1)} %`,
      otherAnswers: JSON.stringify(others),
      lost,
      slowConnectionsOpened: attackStats.opened,
      slowAnswers: JSON.stringify(attackStats.answered),
      slowHeldAtStart: heldAtStart,
      rss: `${mib(rssAtStart)} → peak ${mib(rssPeak)}`,
      health: `${healthChecks - healthFailures}/${healthChecks} /healthz answered 200`,
    };
    writeAdmissionResults(row);
    process.stdout.write(`\nAdmission under hostile traffic:\n${JSON.stringify(row, null, 2)}\n`);

    expect(stack.crashes()).toEqual([]);
    expect(share).toBeGreaterThanOrEqual(0.99);
    expect(lost).toBe(0);
    expect(healthFailures).toBe(0);
    expect(rssPeak).toBeLessThan(RSS_BOUND_BYTES);
    // The attack bit: its connections were opened and refused or cut off by the hundreds.
    expect(attackStats.opened).toBeGreaterThan(SLOW_CONNECTIONS);
  } finally {
    await attack?.stop();
    await stack.close();
  }
});

function writeAdmissionResults(row: Record<string, string | number>): void {
  const columns = Object.keys(row);
  const markdown = [
    '# Admission under hostile traffic: last run',
    '',
    `Written by \`npx jest -c test/faults/jest.config.js test/faults/admission.faults.ts\` on ${new Date().toISOString()}, ` +
      `${os.cpus().length} CPUs, Node ${process.version}, load average ${(os.loadavg()[0] ?? 0).toFixed(2)} at the end. ` +
      'The receiver ran as its own process at its default settings, with a real Temporal dev server and worker; signed deliveries came from 127.0.0.2, one every 100 ms, each on a new connection.',
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    `| ${columns.map((name) => String(row[name]).replace(/\|/g, '\\|')).join(' | ')} |`,
    '',
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'admission.md'), markdown);
}
