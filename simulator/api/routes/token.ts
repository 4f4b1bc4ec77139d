import type { Middleware } from 'koa';
import { ApiError } from '../api-error';
import type { AuthenticatedState } from '../bearer-auth';
import type { ClientRegistry } from '../client-credentials';
import { rateLimited, type SlidingWindowLimiter } from '../rate-limiter';
import { readFormBody } from '../request-body';
import type { TokenStore } from '../token-store';

export const TOKEN_PATH = '/v1/oauth/token';

export interface TokenEndpointParts {
  clients: ClientRegistry;
  tokens: TokenStore;
  /** 10 calls/min per client at Osigu: what makes token caching mandatory. */
  limiter: SlidingWindowLimiter;
  scope: string;
}

/** OAuth 2.0 client credentials (RFC 6749 §4.4) with HTTP Basic client authentication. */
export function tokenEndpoint({ clients, tokens, limiter, scope }: TokenEndpointParts): Middleware<AuthenticatedState> {
  return async (ctx) => {
    const clientId = clients.authenticate(ctx.get('authorization'));
    if (clientId === undefined) {
      throw new ApiError(401, 'invalid_client', 'Client authentication failed.', { 'WWW-Authenticate': 'Basic realm="osigu"' });
    }
    ctx.state.clientId = clientId;
    const decision = limiter.take(clientId);
    if (!decision.ok) throw rateLimited(decision.retryAfterSeconds, 'token requests');

    const form = await readFormBody(ctx);
    if (form.get('grant_type') !== 'client_credentials') {
      throw new ApiError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    }
    const token = tokens.issue(clientId, scope);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: token.accessToken, token_type: 'bearer', expires_in: tokens.expiresInSeconds, scope: token.scope };
  };
}
