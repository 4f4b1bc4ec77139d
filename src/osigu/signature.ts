/**
 * Verifier for `X-Osigu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` (see
 * shared/osigu/README.md, "Signature"). Same construction as Stripe's `Stripe-Signature`.
 *
 * Pure on purpose: no I/O, no logging, the clock is injected. The caller decides what to log and
 * what to answer; `detail` is safe to log because it never echoes header content, secrets or body.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureFailureCode =
  'signature_missing' | 'signature_malformed' | 'timestamp_too_old' | 'timestamp_in_future' | 'signature_mismatch';

export interface SignatureFailure {
  ok: false;
  code: SignatureFailureCode;
  detail: string;
}

export interface SignatureSuccess {
  ok: true;
  timestamp: number;
  secretIndex: number;
}

export type SignatureVerification = SignatureSuccess | SignatureFailure;

export interface VerifyOptions {
  secrets: readonly string[];
  toleranceSeconds: number;
  now: Date;
}

export interface ParsedSignatureHeader {
  timestamp: number;
  signatures: string[];
}

const SHA256_HEX_LENGTH = 64;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
const DECIMAL = /^[0-9]+$/;

const failure = (code: SignatureFailureCode, detail: string): SignatureFailure => ({
  ok: false,
  code,
  detail,
});

/**
 * `header` is what Node hands over: a string (repeated headers already joined with ", ") or an
 * array of them. Both are read as one comma-separated list, so the two forms mean the same thing.
 */
export function parseSignatureHeader(
  header: string | readonly string[] | undefined,
): { ok: true; value: ParsedSignatureHeader } | SignatureFailure {
  const parts = typeof header === 'string' ? [header] : (header ?? []);
  if (parts.every((part) => part.trim() === '')) {
    return failure('signature_missing', 'no signature header, or only whitespace');
  }

  let timestamp: number | undefined;
  const signatures: string[] = [];
  let position = 0;

  for (const part of parts) {
    for (const raw of part.split(',')) {
      position += 1;
      const element = raw.trim();
      // Tolerate trailing commas and the ", " Node puts between repeated headers.
      if (element === '') continue;

      const eq = element.indexOf('=');
      if (eq === -1) return failure('signature_malformed', `element ${position} has no '='`);
      const key = element.slice(0, eq).trim();
      const value = element.slice(eq + 1).trim();

      if (key === 't') {
        const t = parseTimestamp(value);
        if (t === undefined) {
          return failure('signature_malformed', `element ${position}: t is not a plain decimal integer`);
        }
        // Two different t's leave it ambiguous which one was signed; refuse rather than guess.
        if (timestamp !== undefined && timestamp !== t) {
          return failure('signature_malformed', 't appears more than once with different values');
        }
        timestamp = t;
      } else if (key === 'v1') {
        signatures.push(value);
      }
      // Any other key (v0, a future v2, `T`) is skipped so that a new scheme can be sent beside
      // v1 without breaking this receiver.
    }
  }

  if (timestamp === undefined) return failure('signature_malformed', 'no t element');
  if (signatures.length === 0) return failure('signature_malformed', 'no v1 element');
  return { ok: true, value: { timestamp, signatures } };
}

/**
 * Everything that can be checked before a byte of the body is read: the header parses, and its
 * `t` is fresh. The receiver runs this first, so a caller without a well-formed, current header
 * is refused without holding a body slot; `verifySignature` runs it again over the same header.
 */
export function checkSignatureHeader(
  header: string | readonly string[] | undefined,
  { toleranceSeconds, now }: Omit<VerifyOptions, 'secrets'>,
): { ok: true; value: ParsedSignatureHeader } | SignatureFailure {
  const parsed = parseSignatureHeader(header);
  if (!parsed.ok) return parsed;
  const { timestamp } = parsed.value;
  // t has one-second resolution, so compare whole seconds (as Stripe does). Written as a negated
  // `<=` so that a NaN clock or tolerance rejects instead of silently accepting everything.
  const age = Math.floor(now.getTime() / 1000) - timestamp;
  if (!(Math.abs(age) <= toleranceSeconds)) {
    return age < 0
      ? failure('timestamp_in_future', `t is ${-age} s in the future, tolerance ${toleranceSeconds} s`)
      : failure('timestamp_too_old', `t is ${age} s old, tolerance ${toleranceSeconds} s`);
  }
  return parsed;
}

/**
 * Checks run cheapest first (parse, clock, HMAC) so junk and replays cost no hashing. Every
 * configured secret is tried because during a rotation the old and the new one are both valid.
 */
export function verifySignature(
  header: string | readonly string[] | undefined,
  body: Uint8Array,
  { secrets, toleranceSeconds, now }: VerifyOptions,
): SignatureVerification {
  // A receiver without a secret would reject everything forever; that is a wiring bug, not a
  // bad request, so it must not be reported as one.
  if (secrets.length === 0) throw new TypeError('verifySignature needs at least one secret');

  const parsed = checkSignatureHeader(header, { toleranceSeconds, now });
  if (!parsed.ok) return parsed;
  const { timestamp, signatures } = parsed.value;

  const candidates = signatures.map(decodeSha256Hex);
  let emptySecrets = 0;
  for (const [secretIndex, secret] of secrets.entries()) {
    // An empty key is a key everyone knows: never let it authenticate anything.
    if (secret === '') {
      emptySecrets += 1;
      continue;
    }
    const expected = hmacSha256(body, secret, timestamp);
    if (candidates.some((candidate) => candidate !== undefined && timingSafeEqual(expected, candidate))) {
      return { ok: true, timestamp, secretIndex };
    }
  }

  const unusable = candidates.filter((candidate) => candidate === undefined).length;
  return failure(
    'signature_mismatch',
    `${signatures.length} v1 value(s)` +
      (unusable > 0 ? ` (${unusable} not ${SHA256_HEX_LENGTH} hex chars)` : '') +
      `, ${secrets.length} secret(s)` +
      (emptySecrets > 0 ? ` (${emptySecrets} empty, ignored)` : ''),
  );
}

/** Lowercase hex `v1` over the bytes `<t>.<body>`; a string body is taken as UTF-8. */
export function computeSignature(body: Uint8Array | string, secret: string, timestamp: number): string {
  return hmacSha256(body, secret, timestamp).toString('hex');
}

/** A complete header value, one `v1` per secret: for tests, the simulator and benchmarks. */
export function signatureHeader(
  body: Uint8Array | string,
  { secrets, timestamp }: { secrets: string | readonly string[]; timestamp: number },
): string {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  return [`t=${timestamp}`, ...keys.map((secret) => `v1=${computeSignature(body, secret, timestamp)}`)].join(',');
}

/**
 * Constant-time equality of two SHA-256 hex digests, compared as the 32 bytes they encode (so
 * case does not matter). Anything that is not exactly 64 hex characters is simply unequal: a
 * hostile header must never be able to make this throw.
 */
export function timingSafeHexEqual(expectedHex: string, candidate: string): boolean {
  const expected = decodeSha256Hex(expectedHex);
  const actual = decodeSha256Hex(candidate);
  return expected !== undefined && actual !== undefined && timingSafeEqual(expected, actual);
}

function hmacSha256(body: Uint8Array | string, secret: string, timestamp: number): Buffer {
  // Feed the bytes as received: decoding and re-encoding would alter invalid UTF-8 and break the
  // signature of a body Osigu signed correctly.
  const hmac = createHmac('sha256', secret).update(`${timestamp}.`);
  return (typeof body === 'string' ? hmac.update(body, 'utf8') : hmac.update(body)).digest();
}

// Length first: it is cheap and keeps the regex off huge attacker-supplied values.
function decodeSha256Hex(hex: unknown): Buffer | undefined {
  return typeof hex === 'string' && hex.length === SHA256_HEX_LENGTH && SHA256_HEX.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

// Digits only: Number() and parseInt() would also take '+5', '1e3', '0x10', '1.5' or ''. Leading
// zeros pass, but the HMAC covers the canonical decimal (`${timestamp}`), as Stripe's does.
function parseTimestamp(value: string): number | undefined {
  if (!DECIMAL.test(value)) return undefined;
  const t = Number(value);
  return Number.isSafeInteger(t) ? t : undefined;
}
