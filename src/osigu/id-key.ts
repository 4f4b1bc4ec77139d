import { createHmac } from 'node:crypto';
import { idKey } from './ids';

/*
 * The keyed hash behind src/osigu/ids.ts: HMAC-SHA256 under RESOURCE_ID_HASH_KEY, the first 160
 * bits in hex. Keyed, so that nobody without the key can test a guessed name or birth date
 * against a stored hash; deterministic, so the same raw id always reaches the same entity and a
 * redelivered event the same workflow. Receiver and worker must share the key: a change of key
 * sends later events of an already hashed resource to a new entity.
 */

/** The documented development key (README, settings): refused when OSIGU_ENVIRONMENT=production. */
export const DEV_RESOURCE_ID_HASH_KEY = 'osigu-webhooks development id key, not a secret';

const HASH_HEX_CHARS = 40;

/** `(rawId) => key`: verbatim when the id matches the grammar, else `h_` + keyed hash. */
export type IdKeyer = (rawId: string) => string;

export function hashId(key: string): (raw: string) => string {
  return (raw) => createHmac('sha256', key).update(raw, 'utf8').digest('hex').slice(0, HASH_HEX_CHARS);
}

/** The function the receiver keys ids with, and the worker's activities must use for ids found in `data`. */
export function createIdKeyer(key: string): IdKeyer {
  const hash = hashId(key);
  return (raw) => idKey(raw, hash).key;
}
