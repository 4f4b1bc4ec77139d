import { RETRYABLE_OSIGU_CODES } from '../temporal/failure-types';
import { parseRetryAfter } from './retry-after';

export type OsiguErrorCode =
  | 'invalid_client' // the token endpoint refused the client id/secret
  | 'unauthorized' // a fresh token was refused too
  | 'forbidden'
  | 'not_found'
  | 'bad_request'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network_error'
  | 'invalid_response';

// One list, shared with the workflows' retry policies (src/temporal/failure-types.ts).
const RETRYABLE: ReadonlySet<OsiguErrorCode> = new Set(RETRYABLE_OSIGU_CODES);

/**
 * A failed call to Osigu's API. Never retried here: the caller (a Temporal activity, or a command)
 * owns the retry policy, and `retryable` and `retryAfterMs` are what it needs to decide.
 */
export class OsiguApiError extends Error {
  override readonly name = 'OsiguApiError';
  readonly retryable: boolean;

  constructor(
    readonly code: OsiguErrorCode,
    message: string,
    readonly details: {
      status?: number | undefined;
      /** From the answer's Retry-After (429, 503), when it had one. */
      retryAfterMs?: number | undefined;
      /** Osigu's own `error` code from the body, e.g. `invalid_token`. */
      apiError?: string | undefined;
    } = {},
  ) {
    super(message);
    this.retryable = RETRYABLE.has(code);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}

function codeForStatus(status: number): OsiguErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

/**
 * The message names the call and the status, and Osigu's error code; never the body, which for
 * resource calls may hold PHI.
 */
export async function errorFromResponse(
  response: Response,
  call: string,
  nowMs: number,
  code = codeForStatus(response.status),
): Promise<OsiguApiError> {
  let apiError: string | undefined;
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string' && body.error.length <= 64) apiError = body.error;
  } catch {
    // not JSON: the status says enough
  }
  return new OsiguApiError(code, `${call}: Osigu answered ${response.status}${apiError ? ` (${apiError})` : ''}`, {
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), nowMs),
    apiError,
  });
}

export function errorFromFetchFailure(error: unknown, call: string, timeoutMs: number): OsiguApiError {
  if ((error as { name?: unknown }).name === 'TimeoutError') {
    return new OsiguApiError('timeout', `${call}: no answer within ${timeoutMs} ms`);
  }
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return new OsiguApiError('network_error', `${call}: Osigu could not be reached${typeof cause === 'string' ? ` (${cause})` : ''}`);
}
