import { randomBytes } from 'node:crypto';

export interface IssuedToken {
  accessToken: string;
  clientId: string;
  scope: string;
  expiresAtMs: number;
}

/** Access tokens the stand-in has issued, and how often its token endpoint was called. */
export class TokenStore {
  /** Tokens granted; every call to the endpoint, granted or not, is in the request counts. */
  issued = 0;
  /** Tokens revoked by the `expireTokens` fault since the last reset. */
  expiredBySwitch = 0;
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  get expiresInSeconds(): number {
    return this.ttlSeconds;
  }

  issue(clientId: string, scope: string): IssuedToken {
    this.dropExpired();
    const token: IssuedToken = {
      accessToken: `sim_at_${randomBytes(24).toString('base64url')}`,
      clientId,
      scope,
      expiresAtMs: this.now() + this.ttlSeconds * 1000,
    };
    this.tokens.set(token.accessToken, token);
    this.issued += 1;
    return token;
  }

  verify(accessToken: string): IssuedToken | undefined {
    const token = this.tokens.get(accessToken);
    if (token === undefined) return undefined;
    if (token.expiresAtMs <= this.now()) {
      this.tokens.delete(accessToken);
      return undefined;
    }
    return token;
  }

  /** Makes every current token invalid at once, as a key rotation or a revocation would. */
  expireAll(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    this.expiredBySwitch += count;
    return count;
  }

  resetCounters(): void {
    this.issued = 0;
    this.expiredBySwitch = 0;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [value, token] of this.tokens) if (token.expiresAtMs <= now) this.tokens.delete(value);
  }
}
