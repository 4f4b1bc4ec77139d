import { fixtureTypes, loadFixture } from '../../simulator/events/fixtures';
import { MAX_DEPTH, parseEnvelope, type EnvelopeFailureCode, type EnvelopeParse, type OsiguEvent } from '../../src/osigu/envelope';

const FIXTURE_TYPES = fixtureTypes();

const CATALOGUE = [
  'authorization.created',
  'authorization.rejected',
  'authorization.updated',
  'authorization.voided',
  'dispensing.started',
  'dispensing.completed',
  'dispensing.cancelled',
  'prescription.issued',
  'prescription.email_delivered',
  'prescription.email_failed',
  'settlement.paid',
  'settlement.rejected',
  'settlement.partially_accepted',
];

const VALID = {
  event_id: 'evt_01JB0000000000000000000001',
  event_type: 'authorization.created',
  created_at: '2026-11-25T14:22:11.789Z',
  api_version: '2026-01-01',
  environment: 'sandbox',
  data: { authorization_id: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N' },
  provider: { provider_id: 'prv_01J9Z8Y7X6W5V4T3S2R1Q0P9N8', provider_slug: 'clinic-example' },
};

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const body = (value: unknown): Buffer => utf8(JSON.stringify(value));
const envelope = (overrides: Record<string, unknown>): Buffer => body({ ...VALID, ...overrides });
const without = (field: keyof typeof VALID): Buffer => {
  const copy: Record<string, unknown> = { ...VALID };
  delete copy[field];
  return body(copy);
};

function accepted(result: EnvelopeParse): OsiguEvent {
  if (!result.ok) throw new Error(`expected the envelope to be accepted, got ${result.code}: ${result.detail}`);
  return result.event;
}

function expectRefused(result: EnvelopeParse, code: EnvelopeFailureCode, detail?: RegExp): void {
  expect(result).toMatchObject({ ok: false, code });
  if (detail !== undefined && !result.ok) expect(result.detail).toMatch(detail);
}

describe('parseEnvelope', () => {
  describe('the fixtures in shared/osigu/events', () => {
    it('include every event type of the README catalogue', () => {
      expect(FIXTURE_TYPES).toEqual(expect.arrayContaining(CATALOGUE));
    });

    it.each(FIXTURE_TYPES)('%s.json parses to exactly the object in the file', (type) => {
      const { bytes } = loadFixture(type);
      const event = accepted(parseEnvelope(bytes));
      expect(event).toEqual(JSON.parse(bytes.toString('utf8')));
      expect(event.event_type).toBe(type);
    });
  });

  describe('bytes that are not UTF-8', () => {
    it.each([
      ['a lone 0xff', [0xff]],
      ['a truncated 2-byte sequence', [0xc3]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['a UTF-16 surrogate encoded in UTF-8', [0xed, 0xa0, 0x80]],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ])('are refused as invalid_utf8 (%s inside a string), never replaced by U+FFFD', (_label, bad) => {
      const bytes = Buffer.concat([utf8('{"event_id":"evt_'), Buffer.from(bad), utf8('","event_type":"a.b"}')]);
      expectRefused(parseEnvelope(bytes), 'invalid_utf8');
    });

    it('are refused as invalid_utf8 even when the envelope would otherwise be valid', () => {
      const text = JSON.stringify({ ...VALID, data: { note: 'XX' } });
      const bytes = utf8(text);
      const at = bytes.indexOf('XX');
      bytes[at] = 0xfe;
      expectRefused(parseEnvelope(bytes), 'invalid_utf8', /UTF-8/);
    });

    it('are refused as invalid_utf8 when UTF-16 was sent (with its BOM)', () => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(VALID), 'utf16le')]);
      expectRefused(parseEnvelope(utf16), 'invalid_utf8');
    });
  });

  describe('a UTF-8 byte order mark (pinned behaviour)', () => {
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

    it('one leading BOM is stripped and the envelope is accepted', () => {
      const event = accepted(parseEnvelope(Buffer.concat([BOM, body(VALID)])));
      expect(event).toEqual(VALID);
      expect(event.event_id).toBe(VALID.event_id);
    });

    it('a second BOM is not stripped: invalid_json', () => {
      expectRefused(parseEnvelope(Buffer.concat([BOM, BOM, body(VALID)])), 'invalid_json');
    });

    it('a BOM anywhere but the start is kept as U+FEFF: outside a string it is invalid_json', () => {
      expectRefused(parseEnvelope(Buffer.concat([utf8(' '), BOM, body(VALID)])), 'invalid_json');
    });

    it('a BOM inside a string value is kept as the character U+FEFF', () => {
      const event = accepted(parseEnvelope(envelope({ data: { note: '\uFEFFx' } })));
      expect(event.data.note).toBe('\uFEFFx');
    });
  });

  describe('bytes that are not JSON', () => {
    const PHI = 'Jos\u00e9 N\u00fa\u00f1ez Paciente-7Q2X diagnosis E11.9';

    it.each([
      ['truncated after the name', `{"patient":"${PHI}", `],
      ['a bare word', PHI],
      ['an unquoted value', `{"patient": ${PHI}}`],
      ['a trailing garbage token', `{"patient":"${PHI}"} ${PHI}`],
      ['a single quote', `{'patient':'${PHI}'}`],
      ['a trailing comma', `{"patient":"${PHI}",}`],
    ])('are refused as invalid_json with a detail that echoes none of the body (%s)', (_label, text) => {
      const result = parseEnvelope(utf8(text));
      expectRefused(result, 'invalid_json', /^body is not JSON/);
      if (result.ok) return;
      for (const fragment of ['Jos', 'N\u00fa\u00f1ez', 'Paciente', '7Q2X', 'E11', 'patient', 'diagnosis']) {
        expect(result.detail).not.toContain(fragment);
      }
    });

    it.each([
      ['an empty body', ''],
      ['only whitespace', ' \r\n\t'],
      ['NaN', 'NaN'],
      ['a comment', '/* x */ {}'],
    ])('are refused as invalid_json: %s', (_label, text) => {
      expectRefused(parseEnvelope(utf8(text)), 'invalid_json');
    });
  });

  describe('JSON that is not an object', () => {
    it.each([
      ['an array', '[]'],
      ['an array holding the envelope', JSON.stringify([VALID])],
      ['a string', '"evt_1"'],
      ['a number', '42'],
      ['true', 'true'],
      ['null', 'null'],
    ])('is refused as invalid_envelope: %s', (_label, text) => {
      expectRefused(parseEnvelope(utf8(text)), 'invalid_envelope', /not a JSON object/);
    });
  });

  describe('event_id', () => {
    it.each([
      ['missing', without('event_id')],
      ['empty', envelope({ event_id: '' })],
      ['a number', envelope({ event_id: 12345 })],
      ['null', envelope({ event_id: null })],
      ['an array', envelope({ event_id: ['evt_1'] })],
      ['an object', envelope({ event_id: { id: 'evt_1' } })],
      ['256 characters', envelope({ event_id: `evt_${'x'.repeat(252)}` })],
      ['containing a space', envelope({ event_id: 'evt 1' })],
      ['a leading space', envelope({ event_id: ' evt_1' })],
      ['containing a tab', envelope({ event_id: 'evt\t1' })],
      ['containing a newline', envelope({ event_id: 'evt_1\n' })],
      ['containing a NUL', envelope({ event_id: 'evt_\u00001' })],
      ['containing DEL', envelope({ event_id: 'evt_\u007f' })],
      ['containing non-ASCII (é)', envelope({ event_id: 'evt_caf\u00e9' })],
      ['containing an emoji', envelope({ event_id: 'evt_\u{1F489}' })],
      ['a non-breaking space', envelope({ event_id: 'evt\u00a01' })],
    ])('is refused as invalid_envelope when %s', (_label, bytes) => {
      expectRefused(parseEnvelope(bytes), 'invalid_envelope', /^event_id /);
    });

    it('is accepted at exactly 255 characters', () => {
      const id = `evt_${'x'.repeat(251)}`;
      expect(id).toHaveLength(255);
      expect(accepted(parseEnvelope(envelope({ event_id: id }))).event_id).toBe(id);
    });

    it('is accepted with every printable ASCII punctuation character', () => {
      const id = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
      expect(accepted(parseEnvelope(envelope({ event_id: id }))).event_id).toBe(id);
    });

    it('duplicated in the body: refused with duplicate_key (JSON.parse would keep the last one)', () => {
      const text = JSON.stringify(VALID).replace('{', '{"event_id":"evt_first",');
      expect(parseEnvelope(utf8(text))).toMatchObject({ ok: false, code: 'duplicate_key' });
    });
  });

  describe('event_type', () => {
    it.each([
      ['missing', without('event_type')],
      ['empty', envelope({ event_type: '' })],
      ['a number', envelope({ event_type: 1 })],
      ['containing a space', envelope({ event_type: 'authorization created' })],
      ['256 characters', envelope({ event_type: `a.${'b'.repeat(254)}` })],
      ['non-ASCII', envelope({ event_type: 'autorizaci\u00f3n.creada' })],
    ])('is refused as invalid_envelope when %s', (_label, bytes) => {
      expectRefused(parseEnvelope(bytes), 'invalid_envelope', /^event_type /);
    });
  });

  describe('created_at', () => {
    it.each([
      '2026-11-25T14:22:11Z',
      '2026-11-25T14:22:11.789Z',
      '2026-11-25T14:22:11.123456789Z',
      '2026-11-25t14:22:11z',
      '2026-11-25T14:22:11+05:30',
      '2026-11-25T14:22:11-00:00',
      '2024-02-29T00:00:00Z',
    ])('accepts the RFC 3339 timestamp %j', (createdAt) => {
      expect(accepted(parseEnvelope(envelope({ created_at: createdAt }))).created_at).toBe(createdAt);
    });

    it.each([
      ['missing', undefined],
      ['a Unix timestamp number', 1764080531],
      ['a Unix timestamp string', '1764080531'],
      ['a date only', '2026-11-25'],
      ['a space instead of T', '2026-11-25 14:22:11Z'],
      ['no offset', '2026-11-25T14:22:11'],
      ['an offset without colon', '2026-11-25T14:22:11+0530'],
      ['an RFC 2822 date', 'Wed, 25 Nov 2026 14:22:11 GMT'],
      ['month 13', '2026-13-25T14:22:11Z'],
      ['hour 25', '2026-11-25T25:22:11Z'],
      ['minute 60', '2026-11-25T14:60:11Z'],
      ['day 00', '2026-11-00T14:22:11Z'],
      ['day 32', '2026-11-32T14:22:11Z'],
      ['10 fractional digits', '2026-11-25T14:22:11.1234567890Z'],
      ['a trailing newline', '2026-11-25T14:22:11Z\n'],
      ['empty', ''],
    ])('refuses created_at that is %s', (_label, createdAt) => {
      const bytes = createdAt === undefined ? without('created_at') : envelope({ created_at: createdAt });
      expectRefused(parseEnvelope(bytes), 'invalid_envelope', /^created_at /);
    });

    // Date.parse rolls impossible days over (2026-02-30 becomes March 2): the day must fit its month.
    it.each(['2026-02-30T14:22:11Z', '2026-02-29T14:22:11Z', '2026-04-31T14:22:11Z'])(
      'refuses the impossible calendar date %j',
      (createdAt) => {
        expectRefused(parseEnvelope(envelope({ created_at: createdAt })), 'invalid_envelope', /^created_at /);
      },
    );
  });

  describe('data', () => {
    it.each([
      ['missing', without('data')],
      ['an array', envelope({ data: [] })],
      ['an array of objects', envelope({ data: [{ authorization_id: 'auth_1' }] })],
      ['null', envelope({ data: null })],
      ['a string', envelope({ data: '{}' })],
      ['a number', envelope({ data: 0 })],
    ])('is refused as invalid_envelope when %s', (_label, bytes) => {
      expectRefused(parseEnvelope(bytes), 'invalid_envelope', /^data /);
    });

    it('may be an empty object', () => {
      expect(accepted(parseEnvelope(envelope({ data: {} }))).data).toEqual({});
    });
  });

  describe('environment, api_version and provider', () => {
    it.each([
      ['environment is a number', { environment: 1 }, /^environment /],
      ['environment is null', { environment: null }, /^environment /],
      ['environment is a boolean', { environment: true }, /^environment /],
      ['environment is an object', { environment: { name: 'sandbox' } }, /^environment /],
      ['environment is upper case', { environment: 'SANDBOX' }, /^environment /],
      ['environment is empty', { environment: '' }, /^environment /],
      ['environment is 33 characters', { environment: `s${'x'.repeat(32)}` }, /^environment /],
      ['api_version is a number', { api_version: 20260101 }, /^api_version /],
      ['provider is a string', { provider: 'clinic-example' }, /^provider /],
      ['provider is an array', { provider: [] }, /^provider /],
    ])('refuses the envelope when %s', (_label, overrides, detail) => {
      expectRefused(parseEnvelope(envelope(overrides)), 'invalid_envelope', detail);
    });

    it('accepts the envelope without environment, api_version or provider', () => {
      const bare = { event_id: VALID.event_id, event_type: VALID.event_type, created_at: VALID.created_at, data: {} };
      expect(accepted(parseEnvelope(body(bare)))).toEqual(bare);
    });

    it('accepts a null provider (Osigu omits parts of it in its own examples)', () => {
      expect(accepted(parseEnvelope(envelope({ provider: null }))).provider).toBeNull();
    });

    it('accepts production and short words such as staging_2', () => {
      expect(accepted(parseEnvelope(envelope({ environment: 'production' }))).environment).toBe('production');
      expect(accepted(parseEnvelope(envelope({ environment: 'staging_2' }))).environment).toBe('staging_2');
    });
  });

  describe('content preservation', () => {
    it('keeps unknown fields at every level, since Osigu adds fields without a version bump', () => {
      const extended = {
        ...VALID,
        schema_hint: 'v2-preview',
        retries: 3,
        tags: ['a', 'b'],
        nested_future: { any: { depth: [1, null, true] } },
        data: { ...VALID.data, new_field: { x: 1 } },
        provider: { ...VALID.provider, region: 'gt' },
      };
      expect(accepted(parseEnvelope(body(extended)))).toEqual(extended);
    });

    it('keeps a "__proto__" key as plain data, without touching Object.prototype', () => {
      const text = JSON.stringify(VALID).replace('"data":{', '"data":{"__proto__":{"polluted":true},');
      const event = accepted(parseEnvelope(utf8(text)));
      expect(Object.prototype.hasOwnProperty.call(event.data, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
    });

    it('keeps multi-byte characters in data exactly as sent', () => {
      const name = 'Jos\u00e9 N\u00fa\u00f1ez';
      const note =
        'Ma\u00f1ana \u{1F489}\u{1F3E5} \u4e2d\u6587 \u05e2\u05d1\u05e8\u05d9\u05ea e\u0301 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
      const text = JSON.stringify({ ...VALID, data: { patient: { name }, note, [name]: 'key too' } });
      const event = accepted(parseEnvelope(utf8(text)));
      expect((event.data.patient as { name: string }).name).toBe(name);
      expect(event.data.note).toBe(note);
      expect(event.data[name]).toBe('key too');
      // Round trip: nothing was normalised (NFC/NFD), replaced or re-encoded.
      expect(Buffer.compare(utf8(JSON.stringify(event)), utf8(text))).toBe(0);
    });

    it('keeps \\u escapes, including escaped surrogate pairs, as the characters they spell', () => {
      const text = JSON.stringify(VALID).replace('"data":{', '"data":{"note":"Jos\\u00e9 \\ud83d\\udc89",');
      expect(accepted(parseEnvelope(utf8(text))).data.note).toBe('Jos\u00e9 \u{1F489}');
    });

    it('accepts a Uint8Array as well as a Buffer', () => {
      const bytes = new Uint8Array(body(VALID));
      expect(accepted(parseEnvelope(bytes))).toEqual(VALID);
    });
  });

  describe('deep nesting', () => {
    const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    it('10,000 nested arrays inside data are refused without throwing', () => {
      const text = JSON.stringify(VALID).replace('"data":{', `"data":{"deep":${nested(10_000)},`);
      const result = parseEnvelope(utf8(text));
      expect(result).toMatchObject({ ok: false, code: 'invalid_envelope' });
    });

    it(`nesting up to ${MAX_DEPTH} levels is accepted, one more is refused`, () => {
      // The envelope is level 1 and data level 2: the array inside adds the rest.
      const fits = JSON.stringify(VALID).replace('"data":{', `"data":{"deep":${nested(MAX_DEPTH - 2)},`);
      expect(parseEnvelope(utf8(fits)).ok).toBe(true);
      const over = JSON.stringify(VALID).replace('"data":{', `"data":{"deep":${nested(MAX_DEPTH - 1)},`);
      expect(parseEnvelope(utf8(over))).toMatchObject({ ok: false, code: 'invalid_envelope' });
    });

    it('100,000 unclosed arrays are invalid_json, not a thrown RangeError', () => {
      expect(() => parseEnvelope(utf8(`{"data":${'['.repeat(100_000)}`))).not.toThrow();
      expectRefused(parseEnvelope(utf8(`{"data":${'['.repeat(100_000)}`)), 'invalid_json');
    });

    it('100,000 nested objects as the whole body are an envelope without event_id, not a throw', () => {
      const text = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
      expectRefused(parseEnvelope(utf8(text)), 'invalid_envelope', /^event_id /);
    });
  });
});
