import type { EnvelopeFailureCode } from '../osigu/envelope';
import type { SignatureFailureCode } from '../osigu/signature';

/*
 * Every way the receiver says no, and the one status each maps to. The code is the short,
 * machine-readable answer; the detail goes to the log only.
 */

// Typed per source so that a code added to the verifier or the envelope must get a status here.
const SIGNATURE_STATUS: Record<SignatureFailureCode, 401> = {
  signature_missing: 401,
  signature_malformed: 401,
  timestamp_too_old: 401,
  timestamp_in_future: 401,
  signature_mismatch: 401,
};

const ENVELOPE_STATUS: Record<EnvelopeFailureCode, 400> = {
  invalid_utf8: 400,
  invalid_json: 400,
  duplicate_key: 400,
  invalid_envelope: 400,
};

export const STATUS_BY_CODE = {
  not_found: 404,
  method_not_allowed: 405,
  unsupported_encoding: 415,
  body_too_large: 413,
  body_incomplete: 400,
  body_timeout: 408,
  ...SIGNATURE_STATUS,
  ...ENVELOPE_STATUS,
  temporal_unavailable: 503,
  overloaded: 503,
} as const;

export type RejectionCode = keyof typeof STATUS_BY_CODE;

export const MESSAGE_BY_CODE: Record<RejectionCode, string> = {
  not_found: 'No such endpoint.',
  method_not_allowed: 'Only POST is accepted here.',
  unsupported_encoding: 'Content-Encoding is not supported; send the body as is.',
  body_too_large: 'The body is larger than this endpoint accepts.',
  body_incomplete: 'The body ended before its declared length, or could not be read.',
  body_timeout: 'The body did not arrive in time.',
  signature_missing: 'X-Osigu-Signature is missing.',
  signature_malformed: 'X-Osigu-Signature is malformed.',
  timestamp_too_old: 'The signature timestamp is outside the tolerance (too old).',
  timestamp_in_future: 'The signature timestamp is outside the tolerance (in the future).',
  signature_mismatch: 'No signature matches.',
  invalid_utf8: 'The body is not valid UTF-8.',
  invalid_json: 'The body is not valid JSON.',
  duplicate_key: 'The body repeats a key within one JSON object.',
  invalid_envelope: 'The event envelope is invalid.',
  temporal_unavailable: 'The event could not be stored durably; retry later.',
  overloaded: 'The receiver is at its concurrency limit; retry later.',
};

export class Rejection extends Error {
  override readonly name = 'Rejection';
  readonly status: number;
  constructor(
    readonly code: RejectionCode,
    /** For the log: never a secret, a signature or any part of the body. */
    readonly detail: string = MESSAGE_BY_CODE[code],
  ) {
    super(MESSAGE_BY_CODE[code]);
    this.status = STATUS_BY_CODE[code];
  }
}
