/**
 * One signed delivery per call, over keep-alive connections: the paced steps' HTTP client. Each
 * event is built and signed when it is sent (as runLoad's setupRequest does), with Osigu's header.
 */
import http from 'node:http';
import { signatureHeader } from '../../src/osigu/signature';
import { makeEvent, type EventTemplate } from './events';
import type { Fire, Outcome } from './pacer';

export interface HttpFire {
  fire: Fire;
  /** Closes the connections. */
  close(): void;
}

export function httpFire({
  url,
  secrets,
  templates,
  tag,
  timeoutMs,
  maxSockets,
}: {
  url: string;
  secrets: readonly string[];
  templates: readonly EventTemplate[];
  tag: string;
  timeoutMs: number;
  maxSockets: number;
}): HttpFire {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const fire: Fire = (n) =>
    new Promise<Outcome>((resolve) => {
      const { eventId, event } = makeEvent(templates, tag, n);
      const body = Buffer.from(JSON.stringify(event), 'utf8');
      let settled = false;
      const settle = (outcome: Omit<Outcome, 'eventId'>): void => {
        if (settled) return;
        settled = true;
        resolve({ ...outcome, eventId });
      };
      const request = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'user-agent': 'osigu-bench',
            'x-osigu-signature': signatureHeader(body, { secrets, timestamp: Math.floor(Date.now() / 1000) }),
          },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          response.resume();
          response.on('end', () => settle({ key: String(status), acknowledged: status >= 200 && status < 300, answered: true }));
          response.on('error', () => settle({ key: 'connection_error', acknowledged: false, answered: false }));
        },
      );
      request.setTimeout(timeoutMs, () => {
        settle({ key: 'timeout', acknowledged: false, answered: false });
        request.destroy();
      });
      request.on('error', () => settle({ key: 'connection_error', acknowledged: false, answered: false }));
      request.end(body);
    });
  return { fire, close: () => agent.destroy() };
}
