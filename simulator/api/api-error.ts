/**
 * A refusal the stand-in API answers with `{error: code, message}`, as Osigu's API does. Thrown
 * from any middleware; app.ts turns it into the response.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `No ${what} with this id.`);
}

export function invalidRequest(message: string): ApiError {
  return new ApiError(400, 'invalid_request', message);
}
