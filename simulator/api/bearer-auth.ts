import type { Middleware } from 'koa';
import { ApiError } from './api-error';
import type { TokenStore } from './token-store';

export interface AuthenticatedState {
  clientId?: string;
}

/** RFC 6750: an unknown, revoked or expired token is a 401 that tells the client to get a new one. */
export function requireBearer(tokens: TokenStore): Middleware<AuthenticatedState> {
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
    const token = match?.[1] === undefined ? undefined : tokens.verify(match[1]);
    if (token === undefined) {
      throw new ApiError(401, 'invalid_token', 'The access token is missing, unknown or expired.', {
        'WWW-Authenticate': match ? 'Bearer realm="osigu", error="invalid_token"' : 'Bearer realm="osigu"',
      });
    }
    ctx.state.clientId = token.clientId;
    await next();
  };
}
