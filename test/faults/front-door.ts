import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery attempt as it passed the front door, with wall-clock time (to compare with Temporal's). */
export interface PassedAttempt {
  eventId: string | undefined;
  /** Which upstream receiver it went to (index into `upstreams`). */
  upstream: number;
  /** When the answer went back, ms since the epoch. */
  at: number;
  status: number;
  /** The receiver's `duplicate` flag on a 2xx. */
  duplicate?: boolean;
  /** Set when no receiver answered and the front door said 502. */
  upstreamError?: string;
  /** The receiver's refusal code on a non-2xx (`temporal_unavailable`…). */
  refusal?: string;
}

export interface FrontDoor {
  /** The URL the simulator delivers to. */
  url: string;
  log: PassedAttempt[];
  close(): Promise<void>;
}

export interface FrontDoorOptions {
  /** Receiver webhook URLs; requests take turns (round robin), with no health checks. */
  upstreams: readonly string[];
  /** Called once per event id, on its first attempt: Osigu knows what it sends (the stand-in API). */
  onFirstSeen?: (event: Record<string, unknown>) => void;
}

/**
 * A plain round-robin load balancer in front of the receivers, as a provider would run, and the
 * place where each attempt's time and answer are recorded. It has no health checks on purpose:
 * while a receiver is dead, every other request gets a 502 and only Osigu's retries carry the
 * event to the survivor. It forwards the body and the signature header byte for byte.
 */
export async function startFrontDoor({ upstreams, onFirstSeen }: FrontDoorOptions): Promise<FrontDoor> {
  const log: PassedAttempt[] = [];
  const seen = new Set<string>();
  let turn = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = turn++ % upstreams.length;
      void forward(body, req.headers, upstream).then(({ status, headers, answer, upstreamError }) => {
        const eventId = eventIdOf(body);
        const entry: PassedAttempt = { eventId, upstream, at: Date.now(), status };
        if (upstreamError !== undefined) entry.upstreamError = upstreamError;
        const duplicate = status >= 200 && status < 300 ? duplicateFlag(answer) : undefined;
        if (duplicate !== undefined) entry.duplicate = duplicate;
        const refusal = status >= 300 && upstreamError === undefined ? parse(answer)?.error : undefined;
        if (typeof refusal === 'string') entry.refusal = refusal;
        log.push(entry);
        res.writeHead(status, headers).end(answer);
      });
      if (onFirstSeen !== undefined) {
        const event = parse(body);
        const id = event?.event_id;
        if (event !== undefined && typeof id === 'string' && !seen.has(id)) {
          seen.add(id);
          onFirstSeen(event);
        }
      }
    });
  });

  async function forward(body: Buffer, headers: http.IncomingHttpHeaders, upstream: number) {
    const target = upstreams[upstream] as string;
    const pass: Record<string, string> = {};
    for (const name of ['content-type', 'x-osigu-signature', 'user-agent']) {
      const value = headers[name];
      if (typeof value === 'string') pass[name] = value;
    }
    try {
      // Longer than Osigu's own 10 s: the simulator's timeout is the one that counts.
      const response = await fetch(target, {
        method: 'POST',
        headers: pass,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      const answer = Buffer.from(await response.arrayBuffer());
      const back: Record<string, string> = {};
      for (const name of ['content-type', 'retry-after']) {
        const value = response.headers.get(name);
        if (value !== null) back[name] = value;
      }
      return { status: response.status, headers: back, answer, upstreamError: undefined };
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code : ((error as { name?: string }).name ?? 'error');
      return {
        status: 502,
        headers: { 'content-type': 'application/json' },
        answer: Buffer.from('{"error":"upstream_unavailable"}'),
        upstreamError: code,
      };
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/osigu/webhooks`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function eventIdOf(body: Buffer): string | undefined {
  const id = parse(body)?.event_id;
  return typeof id === 'string' ? id : undefined;
}

function duplicateFlag(answer: Buffer): boolean | undefined {
  const flag = parse(answer)?.duplicate;
  return typeof flag === 'boolean' ? flag : undefined;
}
