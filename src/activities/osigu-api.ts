import { ApplicationFailure } from '@temporalio/common';
import { OsiguClient, type OsiguClientOptions } from '../osigu-client/client';
import { OsiguApiError } from '../osigu-client/errors';
import { OSIGU_FAILURE_TYPES } from '../temporal/failure-types';

/** Osigu's API as the activities use it; `undefined` means Osigu has no such resource (404). */
export interface OsiguApi {
  getAuthorization(authorizationId: string): Promise<Record<string, unknown> | undefined>;
  getDispensation(dispensationId: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * The shared OAuth client (one cached token for every concurrent activity, one refresh after a
 * 401), with its errors turned into what Temporal's retry policy reads: 429, 5xx, timeouts and
 * network errors retry (after Retry-After when Osigu gives one); every other error is
 * non-retryable, typed by its code (src/temporal/failure-types.ts); 404 is an answer, not an error.
 */
export function createOsiguApi(options: OsiguClientOptions): OsiguApi {
  const client = new OsiguClient(options);
  const lookup = async (path: string): Promise<Record<string, unknown> | undefined> => {
    let body: unknown;
    try {
      body = await client.request('GET', path);
    } catch (error) {
      if (error instanceof OsiguApiError && error.code === 'not_found') return undefined;
      throw toFailure(error);
    }
    // A 200 whose body is not an object is as useless as a 400: asking again will not fix it.
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw ApplicationFailure.nonRetryable('Osigu answered 200 with a body that is not an object', OSIGU_FAILURE_TYPES.invalid_response);
    }
    return body as Record<string, unknown>;
  };
  return {
    // Assumed path: Osigu publishes only authorization requests; the stand-in API serves this one.
    getAuthorization: (id) => lookup(`/arc/v1/authorizations/${encodeURIComponent(id)}`),
    getDispensation: (id) => lookup(`/dispensing/v1/dispensations/${encodeURIComponent(id)}`),
  };
}

/** The failure's message names the call and the status only (the client keeps bodies out of it). */
export function toFailure(error: unknown): unknown {
  if (!(error instanceof OsiguApiError)) return error;
  const type = OSIGU_FAILURE_TYPES[error.code];
  if (!error.retryable) return ApplicationFailure.nonRetryable(error.message, type);
  return ApplicationFailure.create({
    message: error.message,
    type,
    ...(error.retryAfterMs === undefined ? {} : { nextRetryDelay: error.retryAfterMs }),
  });
}
