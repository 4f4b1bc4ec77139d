import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `<prefix>_` and 26 Crockford base-32 characters, time first, like Osigu's ULID-like ids, so the
 * ids the stand-in mints look like real ones in logs and in Temporal's search attributes.
 */
export function newId(prefix: string, nowMs = Date.now()): string {
  let time = '';
  let rest = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD.charAt(byte % 32);
  return `${prefix}_${time}${random}`;
}
