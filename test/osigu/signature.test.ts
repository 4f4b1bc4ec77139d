import fc from 'fast-check';
import Stripe from 'stripe';
import {
  computeSignature,
  parseSignatureHeader,
  signatureHeader,
  timingSafeHexEqual,
  verifySignature,
  type SignatureFailureCode,
  type SignatureVerification,
  type VerifyOptions,
} from '../../src/osigu/signature';

const SECRET = 'whsec_osigu_test_0123456789abcdef';
const ROTATED = 'whsec_osigu_rotated_fedcba9876543210';
const T = 1767225600; // 2026-01-01T00:00:00Z
const atSeconds = (seconds: number): Date => new Date(seconds * 1000);

const options = (overrides: Partial<VerifyOptions> = {}): VerifyOptions => ({
  secrets: [SECRET],
  toleranceSeconds: 300,
  now: atSeconds(T),
  ...overrides,
});

const JSON_BODY = '{"event_id":"evt_01JB0000000000000000000001","event_type":"authorization.created"}';
const UTF8_BODY = '{"patient":"José Núñez","note":"🩺"}';
const INVALID_UTF8_BODY = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

// Known answers, computed outside this code base with OpenSSL 3.0.19 and confirmed with Python's
// hmac module (hmac.new(key, msg, hashlib.sha256).hexdigest()) on the same bytes.
// printf '%s' '1767225600.{"event_id":"evt_01JB0000000000000000000001","event_type":"authorization.created"}' | openssl dgst -sha256 -hmac 'whsec_osigu_test_0123456789abcdef'
const V1_JSON = '462b797c5495aee84aa1006a390526f3b1c5ed080ad64f93cee0901a5f709a55';
// printf '%s' '1767225600.{"patient":"José Núñez","note":"🩺"}' | openssl dgst -sha256 -hmac 'whsec_osigu_test_0123456789abcdef'
// (run in a UTF-8 terminal; the body bytes are pinned by the hex check in the test below)
const V1_UTF8 = '03eb8c1a12087b7eba92bc50d4892c5052f5b79c1f6d31d9433fd756cfc71e5c';
// printf '1767225600.{"a":"\377\376"}' | openssl dgst -sha256 -hmac 'whsec_osigu_test_0123456789abcdef'
const V1_INVALID_UTF8 = '6637928a7569c07a6204254e1842328ee7f1f9fd1dae993597375d5d30e349b9';
// printf '%s' '1767225600.' | openssl dgst -sha256 -hmac 'whsec_osigu_test_0123456789abcdef'
const V1_EMPTY = 'bcc106c796ec5a794c63dc5945c4221ac89246134dba794f5bb3e1808b3244f5';
// printf '%s' '1767225600.{"event_id":"evt_01JB0000000000000000000001","event_type":"authorization.created"}' | openssl dgst -sha256 -hmac 'whsec_osigu_rotated_fedcba9876543210'
const V1_JSON_ROTATED = '444b2dbc384e5d4530d98c2e471c4a4d4b1ad1a49f3255b602f756b53ed23ed7';

const BODY = Buffer.from(JSON_BODY);
const OTHER_V1 = computeSignature(BODY, 'whsec_not_configured', T);

const codeOf = (result: SignatureVerification): SignatureFailureCode | 'ok' => (result.ok ? 'ok' : result.code);

// Any UTF-16 code unit, lone surrogates included: headers are arbitrary strings.
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyString = (maxLength = 120): fc.Arbitrary<string> => fc.string({ unit: anyUnit, maxLength });

describe('known-answer vectors', () => {
  it.each([
    ['ASCII JSON', BODY, V1_JSON],
    ['multi-byte UTF-8', Buffer.from(UTF8_BODY, 'utf8'), V1_UTF8],
    ['invalid UTF-8 (0xff 0xfe)', INVALID_UTF8_BODY, V1_INVALID_UTF8],
    ['empty', Buffer.alloc(0), V1_EMPTY],
  ])('%s body', (_name, body, v1) => {
    expect(computeSignature(body, SECRET, T)).toBe(v1);
    expect(signatureHeader(body, { secrets: SECRET, timestamp: T })).toBe(`t=${T},v1=${v1}`);
    expect(verifySignature(`t=${T},v1=${v1}`, body, options())).toEqual({ ok: true, timestamp: T, secretIndex: 0 });
  });

  it('uses the bytes the vectors were computed over', () => {
    expect(Buffer.from(UTF8_BODY, 'utf8').toString('hex')).toBe(
      '7b2270617469656e74223a224a6f73c3a9204ec3bac3b1657a222c226e6f7465223a22f09fa9ba227d',
    );
    expect(INVALID_UTF8_BODY.toString('hex')).toBe('7b2261223a22fffe227d');
  });

  it('signs a string body as its UTF-8 bytes', () => {
    expect(computeSignature(JSON_BODY, SECRET, T)).toBe(V1_JSON);
    expect(computeSignature(UTF8_BODY, SECRET, T)).toBe(V1_UTF8);
    expect(computeSignature('', SECRET, T)).toBe(V1_EMPTY);
  });

  it('never re-decodes the body: a re-encoded invalid UTF-8 body no longer verifies', () => {
    const reencoded = Buffer.from(INVALID_UTF8_BODY.toString('utf8'), 'utf8');
    expect(reencoded.equals(INVALID_UTF8_BODY)).toBe(false);
    expect(codeOf(verifySignature(`t=${T},v1=${V1_INVALID_UTF8}`, reencoded, options()))).toBe('signature_mismatch');
  });

  it('matches the vector for a second secret', () => {
    expect(computeSignature(BODY, ROTATED, T)).toBe(V1_JSON_ROTATED);
  });
});

describe('cross-check with Stripe', () => {
  it("verifies Stripe's test header", () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: JSON_BODY, secret: SECRET, timestamp: T });
    expect(header).toBe(`t=${T},v1=${V1_JSON}`);
    expect(verifySignature(header, BODY, options())).toEqual({ ok: true, timestamp: T, secretIndex: 0 });
  });

  it('is accepted by Stripe, whichever of our v1 values Stripe holds the secret for', () => {
    const header = signatureHeader(BODY, { secrets: [ROTATED, SECRET], timestamp: T });
    for (const secret of [SECRET, ROTATED]) {
      const event = Stripe.webhooks.constructEvent(BODY, header, secret, 300, undefined, T * 1000);
      expect((event as unknown as { event_id: string }).event_id).toBe('evt_01JB0000000000000000000001');
    }
    expect(() => Stripe.webhooks.constructEvent(BODY, header, 'whsec_other', 300, undefined, T * 1000)).toThrow(/No signatures found/);
  });

  it('agrees with Stripe in both directions for arbitrary JSON bodies and secrets', () => {
    // Stripe decodes the payload as text, so only valid Unicode is comparable; Stripe also treats
    // timestamp 0 as "now", hence min 1.
    const secret = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => /\S/.test(s));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), secret, fc.integer({ min: 1, max: 2 ** 40 }), (note, key, timestamp) => {
        const payload = JSON.stringify({ note });
        const body = Buffer.from(payload, 'utf8');
        const theirs = Stripe.webhooks.generateTestHeaderString({ payload, secret: key, timestamp });
        const verified = verifySignature(theirs, body, options({ secrets: [key], now: atSeconds(timestamp) }));
        expect(verified).toEqual({ ok: true, timestamp, secretIndex: 0 });
        const ours = signatureHeader(body, { secrets: key, timestamp });
        expect(() => Stripe.webhooks.constructEvent(body, ours, key, 300, undefined, timestamp * 1000)).not.toThrow();
      }),
    );
  });
});

describe('several v1 values and several secrets', () => {
  it.each([0, 1, 2])('matches the right v1 at position %i', (position) => {
    const values = ['0'.repeat(64), OTHER_V1];
    values.splice(position, 0, V1_JSON);
    const header = `t=${T},${values.map((v) => `v1=${v}`).join(',')}`;
    expect(verifySignature(header, BODY, options())).toEqual({ ok: true, timestamp: T, secretIndex: 0 });
  });

  it('reports which configured secret matched', () => {
    const secrets = [ROTATED, SECRET];
    expect(verifySignature(`t=${T},v1=${V1_JSON}`, BODY, options({ secrets }))).toEqual({
      ok: true,
      timestamp: T,
      secretIndex: 1,
    });
    expect(verifySignature(`t=${T},v1=${V1_JSON_ROTATED}`, BODY, options({ secrets }))).toEqual({
      ok: true,
      timestamp: T,
      secretIndex: 0,
    });
    const both = signatureHeader(BODY, { secrets: [SECRET, ROTATED], timestamp: T });
    expect(verifySignature(both, BODY, options({ secrets }))).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it('rejects a v1 made with a secret that is not configured', () => {
    expect(verifySignature(`t=${T},v1=${OTHER_V1}`, BODY, options({ secrets: [SECRET, ROTATED] }))).toEqual({
      ok: false,
      code: 'signature_mismatch',
      detail: '1 v1 value(s), 2 secret(s)',
    });
  });

  it('throws a TypeError for an empty secret list, whatever the header', () => {
    expect(() => verifySignature(undefined, BODY, options({ secrets: [] }))).toThrow(TypeError);
    expect(() => verifySignature(`t=${T},v1=${V1_JSON}`, BODY, options({ secrets: [] }))).toThrow(TypeError);
  });

  it('never lets an empty secret authenticate anything', () => {
    const header = signatureHeader(BODY, { secrets: '', timestamp: T });
    expect(verifySignature(header, BODY, options({ secrets: [''] }))).toEqual({
      ok: false,
      code: 'signature_mismatch',
      detail: '1 v1 value(s), 1 secret(s) (1 empty, ignored)',
    });
    expect(verifySignature(`t=${T},v1=${V1_JSON}`, BODY, options({ secrets: ['', SECRET] }))).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });
});

describe('header shapes', () => {
  const good = `v1=${V1_JSON}`;
  const cases: [string, string | readonly string[] | undefined, SignatureFailureCode | 'ok'][] = [
    ['absent', undefined, 'signature_missing'],
    ['empty', '', 'signature_missing'],
    ['whitespace only', ' \t  ', 'signature_missing'],
    ['empty array', [], 'signature_missing'],
    ['array of blanks', ['', '  '], 'signature_missing'],
    ['t with no value', 't=', 'signature_malformed'],
    ['v1 only', 'v1=abc', 'signature_malformed'],
    ['t not a number', `t=abc,${good}`, 'signature_malformed'],
    ['negative t', `t=-5,${good}`, 'signature_malformed'],
    ['fractional t', `t=1.5,${good}`, 'signature_malformed'],
    ['t with a plus sign', `t=+5,${good}`, 'signature_malformed'],
    ['t in exponent form', `t=1e9,${good}`, 'signature_malformed'],
    ['t in hex', `t=0x10,${good}`, 'signature_malformed'],
    ['t with digits then junk', `t=${T}abc,${good}`, 'signature_malformed'],
    ['t beyond any integer', `t=99999999999999999999,${good}`, 'signature_malformed'],
    ['t just past the safe integers', `t=9007199254740992,${good}`, 'signature_malformed'],
    ['t with inner whitespace', `t=1767 225600,${good}`, 'signature_malformed'],
    ['garbage', 'garbage', 'signature_malformed'],
    ['v1 without =', 't=1,v1', 'signature_malformed'],
    ['bare signature', V1_JSON, 'signature_malformed'],
    ['commas only', ',,,', 'signature_malformed'],
    ['t repeated with different values', `t=1,t=2,${good}`, 'signature_malformed'],
    ['t repeated with the same value', `t=${T},t=${T},${good}`, 'ok'],
    ['array, identical t', [`t=${T},${good}`, `t=${T}`], 'ok'],
    ['array, elements split across parts', [`t=${T}`, good], 'ok'],
    ['array, different t', [`t=${T},${good}`, `t=${T + 1},${good}`], 'signature_malformed'],
    ["Node's joined repeated header", `t=${T},${good}, t=${T},${good}`, 'ok'],
    ['unknown schemes only', `t=${T},v0=${V1_JSON},v2=${V1_JSON}`, 'signature_malformed'],
    ['keys are case-sensitive (T)', `T=${T},${good}`, 'signature_malformed'],
    ['keys are case-sensitive (V1)', `t=${T},V1=${V1_JSON}`, 'signature_malformed'],
    ['unknown schemes beside v1', `v0=x,t=${T},${good},v2=y,=z,x=`, 'ok'],
    ['whitespace around items, keys and values', `  t = ${T} ,\t v1 = ${V1_JSON}  `, 'ok'],
    ['space after t=', `t= ${T},${good}`, 'ok'],
    ['trailing comma', `t=${T},${good},`, 'ok'],
    ['empty elements everywhere', `,t=${T},,${good},,`, 'ok'],
    ['t with leading zeros (canonical value is signed)', `t=000${T},${good}`, 'ok'],
    ['upper-case hex', `t=${T},v1=${V1_JSON.toUpperCase()}`, 'ok'],
    ['the right v1 only under another scheme', `t=${T},v1=${OTHER_V1},v2=${V1_JSON}`, 'signature_mismatch'],
    ['v1 one char short', `t=${T},v1=${V1_JSON.slice(0, 63)}`, 'signature_mismatch'],
    ['v1 one char long', `t=${T},v1=${V1_JSON}0`, 'signature_mismatch'],
    ['v1 twice as long', `t=${T},v1=${V1_JSON}${V1_JSON}`, 'signature_mismatch'],
    ['v1 with a trailing =', `t=${T},v1=${V1_JSON}=`, 'signature_mismatch'],
    ['v1 empty', `t=${T},v1=`, 'signature_mismatch'],
    ['v1 with non-hex chars', `t=${T},v1=${'g'.repeat(64)}`, 'signature_mismatch'],
    ['v1 with a multi-byte char, 64 code units', `t=${T},v1=${V1_JSON.slice(0, 63)}é`, 'signature_mismatch'],
    ['v1 with an emoji, 64 code units', `t=${T},v1=${V1_JSON.slice(0, 62)}🩺`, 'signature_mismatch'],
    ['v1 as base64', `t=${T},v1=${Buffer.from(V1_JSON, 'hex').toString('base64')}`, 'signature_mismatch'],
    ['a different t than the one signed', `t=${T - 1},${good}`, 'signature_mismatch'],
  ];

  it.each(cases)('%s', (_name, header, expected) => {
    const result = verifySignature(header, BODY, options());
    expect(codeOf(result)).toBe(expected);
    if (result.ok) expect(result).toEqual({ ok: true, timestamp: T, secretIndex: 0 });
  });

  it('parses every v1 in order and skips what it does not know', () => {
    expect(parseSignatureHeader([` t=${T} , v1=a,v0=b`, 'v1=c,,v1=', 'x=1'])).toEqual({
      ok: true,
      value: { timestamp: T, signatures: ['a', 'c', ''] },
    });
  });

  it('points at the offending element', () => {
    expect(parseSignatureHeader(`t=1,v1=a,garbage`)).toEqual({
      ok: false,
      code: 'signature_malformed',
      detail: "element 3 has no '='",
    });
    expect(parseSignatureHeader([`t=1`, `v1=a, t=x`])).toMatchObject({
      detail: 'element 3: t is not a plain decimal integer',
    });
  });

  it('stays fast and correct with 10,000 v1 values', () => {
    const decoys = Array.from({ length: 9_999 }, (_, i) => `v1=${i.toString(16).padStart(64, '0')}`);
    const withMatch = `t=${T},${decoys.join(',')},v1=${V1_JSON}`;
    const withoutMatch = `t=${T},${decoys.join(',')},v1=${OTHER_V1}`;

    const started = performance.now();
    expect(verifySignature(withMatch, BODY, options())).toEqual({ ok: true, timestamp: T, secretIndex: 0 });
    expect(verifySignature(withoutMatch, BODY, options({ secrets: [SECRET, ROTATED] }))).toEqual({
      ok: false,
      code: 'signature_mismatch',
      detail: '10000 v1 value(s), 2 secret(s)',
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stays fast on megabyte-sized elements', () => {
    const huge = 'a'.repeat(1_000_000);
    const started = performance.now();
    expect(codeOf(verifySignature(`t=${T},v1=${huge}`, BODY, options()))).toBe('signature_mismatch');
    expect(codeOf(verifySignature(`t=${'1'.repeat(1_000_000)},${`v1=${V1_JSON}`}`, BODY, options()))).toBe('signature_malformed');
    expect(codeOf(verifySignature(huge, BODY, options()))).toBe('signature_malformed');
    expect(codeOf(verifySignature(' '.repeat(1_000_000), BODY, options()))).toBe('signature_missing');
    expect(codeOf(verifySignature(','.repeat(1_000_000), BODY, options()))).toBe('signature_malformed');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('timestamp tolerance', () => {
  const header = `t=${T},v1=${V1_JSON}`;
  const at = (seconds: number, toleranceSeconds = 300): SignatureVerification =>
    verifySignature(header, BODY, options({ now: atSeconds(seconds), toleranceSeconds }));

  it('accepts exactly the tolerance either way', () => {
    expect(at(T + 300)).toMatchObject({ ok: true });
    expect(at(T - 300)).toMatchObject({ ok: true });
  });

  it('rejects one second past it with the direction in the code', () => {
    expect(at(T + 301)).toEqual({ ok: false, code: 'timestamp_too_old', detail: 't is 301 s old, tolerance 300 s' });
    expect(at(T - 301)).toEqual({
      ok: false,
      code: 'timestamp_in_future',
      detail: 't is 301 s in the future, tolerance 300 s',
    });
  });

  it('compares whole seconds, as t has no finer resolution', () => {
    expect(verifySignature(header, BODY, options({ now: new Date((T + 300) * 1000 + 999) }))).toMatchObject({
      ok: true,
    });
    expect(verifySignature(header, BODY, options({ now: new Date((T - 300) * 1000 - 1) }))).toMatchObject({
      code: 'timestamp_in_future',
    });
  });

  it('checks the clock before the HMAC', () => {
    expect(codeOf(verifySignature(`t=${T},v1=${OTHER_V1}`, BODY, options({ now: atSeconds(T + 301) })))).toBe('timestamp_too_old');
  });

  it('treats a zero tolerance as "same second"', () => {
    expect(at(T, 0)).toMatchObject({ ok: true });
    expect(codeOf(at(T + 1, 0))).toBe('timestamp_too_old');
  });

  it('fails closed on a broken clock or tolerance', () => {
    expect(verifySignature(header, BODY, options({ now: new Date(Number.NaN) }))).toMatchObject({ ok: false });
    expect(at(T, Number.NaN)).toMatchObject({ ok: false });
    expect(at(T, -1)).toMatchObject({ ok: false });
  });
});

describe('detail', () => {
  it('never contains the secret, a signature or the body', () => {
    const secret = 'whsec_SENTINEL_secret_value';
    const body = Buffer.from('{"BODY_SENTINEL":"José"}');
    const right = computeSignature(body, secret, T);
    const wrong = computeSignature(body, 'whsec_unknown', T);
    const opts = options({ secrets: [secret, 'whsec_SENTINEL_second'] });
    const headers: [SignatureFailureCode, string | undefined][] = [
      ['signature_missing', undefined],
      ['signature_missing', '   '],
      ['signature_malformed', `t=${T},${right}`],
      ['signature_malformed', `t=x${right},v1=${right}`],
      ['signature_malformed', `t=${T},v2=${right}`],
      ['signature_malformed', `t=${T},t=${T + 1},v1=${right}`],
      ['timestamp_too_old', `t=${T - 301},v1=${right}`],
      ['timestamp_in_future', `t=${T + 301},v1=${right}`],
      ['signature_mismatch', `t=${T},v1=${wrong},v1=${right.slice(1)}`],
    ];
    const secretsAndValues = [secret, 'whsec_SENTINEL_second', 'SENTINEL', right, wrong, right.slice(1)];

    const seen = new Set<SignatureFailureCode>();
    for (const [code, header] of headers) {
      const result = verifySignature(header, body, opts);
      if (result.ok) throw new Error(`expected ${code}`);
      expect(result.code).toBe(code);
      seen.add(result.code);
      for (const forbidden of [...secretsAndValues, right.slice(0, 16), wrong.slice(0, 16), body.toString()]) {
        expect(result.detail).not.toContain(forbidden);
      }
      expect(result.detail).not.toMatch(/[0-9a-f]{16}/i);
    }
    expect(seen.size).toBe(5);
  });
});

describe('properties', () => {
  it('sign then verify succeeds for any body, secrets and a timestamp within tolerance', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2_048 }),
        fc.array(fc.string({ unit: anyUnit, minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: -300, max: 300 }),
        (body, secrets, pick, timestamp, skew) => {
          const signingSecret = secrets[pick % secrets.length] ?? '';
          const header = signatureHeader(body, { secrets: signingSecret, timestamp });
          const result = verifySignature(header, body, options({ secrets, now: atSeconds(timestamp + skew) }));
          expect(result).toEqual({ ok: true, timestamp, secretIndex: secrets.indexOf(signingSecret) });
        },
      ),
    );
  });

  it('never throws on arbitrary headers, and only accepts one holding the right signature', () => {
    // Mostly near-misses built from real elements, so that the accepting paths get exercised too.
    const fragment = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(`t=${T}`, ` t = ${T} `, `v1=${V1_JSON}`, `v1=${V1_JSON.toUpperCase()}`) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(`v1=${OTHER_V1}`, `v2=${V1_JSON}`, `t=${T + 1}`, `v1=${V1_JSON.slice(1)}`),
      },
      fc.constantFrom('', ' ', '=', 't', 'v1', 'v1=', 't=', 'T=1', 'v0=0', '\u00e9', '\ud83e', '\u0000'),
      anyString(20),
    );
    const header = fc.oneof(
      anyString(),
      fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(',')),
      fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join('')),
      fc.array(
        fc.array(fragment, { maxLength: 4 }).map((parts) => parts.join(',')),
        { maxLength: 4 },
      ),
    );
    fc.assert(
      fc.property(header, (value) => {
        let result: SignatureVerification | undefined;
        expect(() => {
          result = verifySignature(value, BODY, options({ secrets: [ROTATED, SECRET] }));
        }).not.toThrow();
        const text = (typeof value === 'string' ? value : value.join(',')).toLowerCase();
        if (result?.ok === true) expect(text).toContain(V1_JSON);
      }),
      { numRuns: 1_000 },
    );
  });

  it('a single flipped bit in the body makes verification fail', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 1_024 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (body, at, bit) => {
        const header = signatureHeader(body, { secrets: SECRET, timestamp: T });
        const tampered = Uint8Array.from(body);
        const index = at % tampered.length;
        tampered[index] = (tampered[index] ?? 0) ^ (1 << bit);
        expect(codeOf(verifySignature(header, tampered, options()))).toBe('signature_mismatch');
      }),
    );
  });

  it('timingSafeHexEqual never throws and equals only two 64-hex-char strings naming the same bytes', () => {
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 62, maxLength: 66 });
    const candidate = fc.oneof(anyString(80), hexish);
    const isDigest = (s: string): boolean => /^[0-9a-f]{64}$/i.test(s);
    fc.assert(
      fc.property(candidate, candidate, (a, b) => {
        expect(timingSafeHexEqual(a, b)).toBe(isDigest(a) && isDigest(b) && a.toLowerCase() === b.toLowerCase());
      }),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (a, b) => {
        expect(typeof timingSafeHexEqual(a as string, b as string)).toBe('boolean');
      }),
    );
  });

  it('timingSafeHexEqual compares digests by value, whatever their case', () => {
    const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));
    fc.assert(
      fc.property(digest, digest, (x, y) => {
        const hex = x.toString('hex');
        expect(timingSafeHexEqual(hex, hex)).toBe(true);
        expect(timingSafeHexEqual(hex, hex.toUpperCase())).toBe(true);
        expect(timingSafeHexEqual(hex, y.toString('hex'))).toBe(x.equals(y));
      }),
    );
  });
});
