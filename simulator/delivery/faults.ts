import { signatureHeader } from '../../src/osigu/signature';

/**
 * Ways to make a delivery wrong on purpose, each one a thing a receiver must refuse. All of them
 * act on the request only; the event itself, its retries and its report stay the same.
 */
export interface Faults {
  /** Sign with a secret the receiver does not have. */
  wrongSecret?: boolean;
  /** Sign with a timestamp STALE_SECONDS in the past, beyond Osigu's 300 s tolerance. */
  staleTimestamp?: boolean;
  /** Sign the whole body, send only its first half. */
  truncateBody?: boolean;
  /** Sign the body, then flip one bit of its middle byte. */
  alterBody?: boolean;
}

export const STALE_SECONDS = 600;
const WRONG_SECRET = 'whsec_simulator_not_the_endpoint_secret';

export interface SignedRequest {
  body: Uint8Array;
  signature: string;
}

/** Signs like Osigu, a fresh `t` per attempt, then applies the faults asked for. */
export function signedRequest(body: Uint8Array, secrets: readonly string[], faults: Faults = {}, nowMs = Date.now()): SignedRequest {
  const now = Math.floor(nowMs / 1000);
  const timestamp = faults.staleTimestamp ? now - STALE_SECONDS : now;
  const signature = signatureHeader(body, { secrets: faults.wrongSecret ? [WRONG_SECRET] : secrets, timestamp });

  let sent = body;
  if (faults.truncateBody) sent = sent.subarray(0, Math.floor(sent.length / 2));
  if (faults.alterBody && sent.length > 0) {
    const copy = Uint8Array.from(sent);
    const middle = Math.floor(copy.length / 2);
    copy[middle] = (copy[middle] as number) ^ 0x01;
    sent = copy;
  }
  return { body: sent, signature };
}

export function hasFaults(faults: Faults): boolean {
  return Object.values(faults).some(Boolean);
}
