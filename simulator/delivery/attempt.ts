import type { SignedRequest } from './faults';

/** What one HTTP attempt came to. Never holds the body, the header or the secret. */
export interface AttemptResult {
  /** The HTTP status, when an answer arrived in time. */
  status?: number;
  /** Why there was no answer: `timeout`, or the network error's code (`ECONNREFUSED`, `UND_ERR_SOCKET`…). */
  error?: string;
  /** From sending the request to the end of the answer's body. */
  latencyMs: number;
  ok: boolean;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * One POST, as Osigu makes it: the timeout covers the whole exchange, body included, and a
 * redirect is an answer, not an instruction, so a 3xx counts as a failure like any non-2xx.
 */
export async function sendAttempt(url: string, request: SignedRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<AttemptResult> {
  const started = performance.now();
  const latency = () => performance.now() - started;
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'osigu-simulator',
        'x-osigu-signature': request.signature,
      },
      body: request.body,
    });
    // Read to the end: the answer is not complete (nor the connection reusable) before that.
    await response.arrayBuffer();
    return { status: response.status, latencyMs: latency(), ok: response.status >= 200 && response.status < 300 };
  } catch (error) {
    return { error: errorCode(error), latencyMs: latency(), ok: false };
  }
}

function errorCode(error: unknown): string {
  // Duck-typed, not `instanceof`: fetch's errors may come from another realm (a test runner's VM).
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  // fetch reports every network failure as TypeError('fetch failed'); the useful part is the cause.
  return typeof cause?.code === 'string' ? cause.code : 'fetch_failed';
}
