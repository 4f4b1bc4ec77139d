import type { OsiguEvent } from '../../src/osigu/envelope';
import { signatureHeader } from '../../src/osigu/signature';
import type { Subscription } from './subscriptions';

/**
 * How the stand-in hands an event to a subscriber. Resolves once the subscriber acknowledged it
 * (2xx); rejects with an EmitError otherwise. The default is one signed attempt; a delivery
 * module with Osigu's retry schedule can be passed in its place.
 */
export type Emit = (event: OsiguEvent, subscription: Subscription) => Promise<void>;

export type EmitFailureCode = 'emit_rejected' | 'emit_timeout' | 'emit_unreachable';

export class EmitError extends Error {
  override readonly name = 'EmitError';
  constructor(
    readonly code: EmitFailureCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HttpEmitterOptions {
  /** Signing secrets; several give one `v1` each, as during a rotation. */
  secrets: string | readonly string[];
  /** Osigu waits 10 s for an answer. */
  timeoutMs?: number;
  now?: () => number;
}

export function httpEmitter({ secrets, timeoutMs = 10_000, now = Date.now }: HttpEmitterOptions): Emit {
  return async (event, subscription) => {
    // Signed over exactly the bytes sent: serialise once.
    const body = JSON.stringify(event);
    const signature = signatureHeader(body, { secrets, timestamp: Math.floor(now() / 1000) });
    let status: number;
    try {
      const response = await fetch(subscription.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'osigu-simulator', 'x-osigu-signature': signature },
        body,
        // Osigu does not follow redirects: a 3xx is a failed delivery.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      if ((error as { name?: unknown }).name === 'TimeoutError') {
        throw new EmitError('emit_timeout', `no answer within ${timeoutMs} ms`);
      }
      throw new EmitError('emit_unreachable', 'the subscriber could not be reached');
    }
    if (status < 200 || status > 299) throw new EmitError('emit_rejected', `the subscriber answered ${status}`, status);
  };
}
