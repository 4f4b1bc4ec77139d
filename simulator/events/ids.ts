import { randomInt } from 'node:crypto';
import type { Random } from './random';

/** Crockford's base32, as ULIDs use it: no I, L, O or U, so ids survive being read aloud. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const ID_PREFIXES = {
  event: 'evt_',
  authorization: 'auth_',
  authorizationRequest: 'areq_',
  beneficiary: 'bnf_',
  dispensation: 'dsp_',
  prescription: 'rx_',
  patient: 'pat_',
  doctor: 'doc_',
  settlement: 'stl_',
  claim: 'clm_',
  provider: 'prv_',
  branch: 'branch_',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** The 26 characters after an id's prefix. */
export const ULID_LIKE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * A ULID: 10 characters of millisecond time, then 16 random ones. Time first makes generated ids
 * sort like Osigu's do; the first character stays 0–7 because the time has 48 bits.
 */
export function ulid(timeMs: number, randomDigit: (max: number) => number): string {
  let time = Math.max(0, Math.floor(timeMs));
  let head = '';
  for (let i = 0; i < 10; i += 1) {
    head = CROCKFORD.charAt(time % 32) + head;
    time = Math.floor(time / 32);
  }
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += CROCKFORD.charAt(randomDigit(31));
  return head + tail;
}

/** A seeded id: the same seed gives the same ids. */
export function seededId(random: Random, kind: IdKind, timeMs: number): string {
  return ID_PREFIXES[kind] + ulid(timeMs, (max) => random.int(0, max));
}

/**
 * An event id nobody has used: for `--fresh-ids`, whose whole point is not to repeat across runs,
 * so it takes the clock and the system's randomness rather than the seed.
 */
export function freshEventId(): string {
  return ID_PREFIXES.event + ulid(Date.now(), (max) => randomInt(0, max + 1));
}
