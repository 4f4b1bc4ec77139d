// Pure constants: imported by workflow code (retry policies) and by activities (the failures they
// throw), so the two can never disagree about a name. No Node built-ins here.

/** The ApplicationFailure type an Osigu API error becomes, one per OsiguErrorCode. */
export const OSIGU_FAILURE_TYPES = {
  invalid_client: 'OsiguInvalidClient',
  unauthorized: 'OsiguUnauthorized',
  forbidden: 'OsiguForbidden',
  not_found: 'OsiguNotFound',
  bad_request: 'OsiguBadRequest',
  rate_limited: 'OsiguRateLimited',
  server_error: 'OsiguServerError',
  timeout: 'OsiguTimeout',
  network_error: 'OsiguNetworkError',
  invalid_response: 'OsiguInvalidResponse',
} as const;

export type OsiguFailureCode = keyof typeof OSIGU_FAILURE_TYPES;
export type OsiguFailureType = (typeof OSIGU_FAILURE_TYPES)[OsiguFailureCode];

/** Asking again will not change these answers (a 401 was already retried once with a fresh token). */
export const RETRYABLE_OSIGU_CODES: readonly OsiguFailureCode[] = ['rate_limited', 'server_error', 'timeout', 'network_error'];

export const NON_RETRYABLE_OSIGU_FAILURES: readonly OsiguFailureType[] = (Object.keys(OSIGU_FAILURE_TYPES) as OsiguFailureCode[])
  .filter((code) => !RETRYABLE_OSIGU_CODES.includes(code))
  .map((code) => OSIGU_FAILURE_TYPES[code]);

/** A hand-off the server refused for good (an invalid id, an unregistered search attribute). */
export const HANDOFF_REJECTED = 'HandoffRejected';

/** A `resolveDiscrepancy` Update the entity's validator refused. */
export const INVALID_RESOLUTION = 'InvalidResolution';
