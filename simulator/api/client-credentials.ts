import { createHash, timingSafeEqual } from 'node:crypto';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** `id:secret`, as the `api` command takes it; the secret may itself contain colons. */
export function parseClientPair(pair: string): ClientCredentials {
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1) {
    throw new TypeError('a client must be given as <client_id>:<client_secret>, both non-empty');
  }
  return { clientId: pair.slice(0, colon), clientSecret: pair.slice(colon + 1) };
}

// Hashing first gives equal lengths, so the comparison is constant-time whatever was sent.
function sameSecret(expected: string, actual: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

/** The client id:secret pairs the stand-in accepts at its token endpoint. */
export class ClientRegistry {
  private readonly secrets: ReadonlyMap<string, string>;

  constructor(clients: readonly ClientCredentials[]) {
    if (clients.length === 0) throw new TypeError('the stand-in API needs at least one client');
    this.secrets = new Map(clients.map((client) => [client.clientId, client.clientSecret]));
  }

  get clientIds(): string[] {
    return [...this.secrets.keys()];
  }

  /** The client id when `authorization` is valid HTTP Basic for a configured pair. */
  authenticate(authorization: string): string | undefined {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (match?.[1] === undefined) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    const clientId = decoded.slice(0, colon);
    const expected = this.secrets.get(clientId);
    return expected !== undefined && sameSecret(expected, decoded.slice(colon + 1)) ? clientId : undefined;
  }
}
