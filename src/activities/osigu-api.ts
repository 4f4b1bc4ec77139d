import { ApplicationFailure } from '@temporalio/common';
import { OsiguClient, type OsiguClientOptions } from '../osigu-client/client';
import { OsiguApiError } from '../osigu-client/errors';

/** Osigu's API as the activities use it; `undefined` means Osigu has no such resource (404). */
export interface OsiguApi {
  getAuthorization(authorizationId: string): Promise<Record<string, unknown> | undefined>;
  getDispensation(dispensationId: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * The shared OAuth client (one cached token for every concurrent activity, one refresh after a
 * 401), with its errors turned into what Temporal's retry policy reads: 429, 5xx, timeouts and
 * network errors retry (after Retry-After when Osigu gives one); 400/401/403 are non-retryable,
 * each by its own type name; 404 is an answer, not an error.
 */
export function createOsiguApi(options: OsiguClientOptions): OsiguApi {
  const client = new OsiguClient(options);
  const lookup = async (path: string): Promise<Record<string, unknown> | undefined> => {
    try {
      return (await client.request('GET', path)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof OsiguApiError && error.code === 'not_found') return undefined;
      throw toFailure(error);
    }
  };
  return {
    // Assumed path: Osigu publishes only authorization requests; the stand-in API serves this one.
    getAuthorization: (id) => lookup(`/arc/v1/authorizations/${encodeURIComponent(id)}`),
    getDispensation: (id) => lookup(`/dispensing/v1/dispensations/${encodeURIComponent(id)}`),
  };
}

function toFailure(error: unknown): unknown {
  if (!(error instanceof OsiguApiError)) return error;
  const type = error.status === undefined ? `Osigu_${error.code}` : `OsiguHttp${error.status}`;
  if (!error.retryable) return ApplicationFailure.nonRetryable(error.message, type);
  return ApplicationFailure.create({
    message: error.message,
    type,
    ...(error.retryAfterMs === undefined ? {} : { nextRetryDelay: error.retryAfterMs }),
  });
}
