import { createHash, randomBytes } from 'node:crypto';

/*
 * Web UI sessions of the codec server, kept on the server: a random 256-bit id per sign-in, with
 * an absolute and an idle expiry checked on every request, and logout. A captured cookie is
 * worth at most one session's remaining life, and can be revoked; the token it came from is
 * never derivable from it. Only a digest of each id is held, so a heap dump yields no usable id.
 */

export interface Session {
  /** Short, stable, not the id: what the audit log calls this session. */
  label: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStore {
  create(): { id: string; session: Session };
  /** The live session for `id` (its idle clock restarted), or undefined when unknown or expired. */
  touch(id: string): Session | undefined;
  revoke(id: string): boolean;
  readonly size: number;
}

export interface SessionOptions {
  absoluteMs: number;
  idleMs: number;
  now?: () => number;
  /** Sign-ins held at once; beyond, the oldest goes. */
  maxSessions?: number;
}

const digest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url');

export function createSessionStore({ absoluteMs, idleMs, now = Date.now, maxSessions = 1_000 }: SessionOptions): SessionStore {
  const sessions = new Map<string, Session>();
  const expired = (session: Session, at: number): boolean => at - session.createdAt >= absoluteMs || at - session.lastSeenAt >= idleMs;
  const sweep = (at: number): void => {
    for (const [key, session] of sessions) if (expired(session, at)) sessions.delete(key);
  };
  return {
    create() {
      const at = now();
      sweep(at);
      // Map order is insertion order: the first entry is the oldest sign-in.
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value as string);
      const id = randomBytes(32).toString('base64url');
      const key = digest(id);
      const session: Session = { label: key.slice(0, 12), createdAt: at, lastSeenAt: at };
      sessions.set(key, session);
      return { id, session };
    },
    touch(id) {
      const key = digest(id);
      const session = sessions.get(key);
      if (session === undefined) return undefined;
      const at = now();
      if (expired(session, at)) {
        sessions.delete(key);
        return undefined;
      }
      session.lastSeenAt = at;
      return session;
    },
    revoke(id) {
      return sessions.delete(digest(id));
    },
    get size() {
      return sessions.size;
    },
  };
}
