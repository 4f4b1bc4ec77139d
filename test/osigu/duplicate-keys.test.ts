import { hasDuplicateKey } from '../../src/osigu/duplicate-keys';
import { parseEnvelope } from '../../src/osigu/envelope';

describe('hasDuplicateKey', () => {
  it.each([
    ['top level', '{"event_id":"evt_a","event_id":"evt_b"}'],
    ['nested in data', '{"data":{"dispensation_id":"dsp_1","x":[1,{"y":2}],"dispensation_id":"dsp_2"}}'],
    ['inside an array element', '[{"a":1},{"b":1,"b":2}]'],
    ['equal after unescaping', '{"event_id":"evt_a","\\u0065vent_id":"evt_b"}'],
  ])('finds a repeated key %s', (_label, text) => {
    expect(hasDuplicateKey(text)).toBe(true);
  });

  it.each([
    ['the same key in sibling objects', '{"a":{"id":1},"b":{"id":2}}'],
    ['a value equal to a key', '{"a":"a","b":"a"}'],
    ['strings with quotes, braces and commas', '{"a":"x\\",\\"a\\":{","b":"}]"}'],
    ['arrays of strings', '{"a":["a","a"],"b":1}'],
    ['whitespace everywhere', ' { "a" : 1 , "b" : [ "a" , { "a" : 2 } ] } '],
  ])('accepts %s', (_label, text) => {
    expect(hasDuplicateKey(text)).toBe(false);
  });
});

describe('parseEnvelope with duplicate keys', () => {
  const body = (text: string) => new TextEncoder().encode(text);
  it('refuses an event_id given twice with duplicate_key, naming no value', () => {
    const result = parseEnvelope(
      body(
        '{"event_id":"evt_signed_a","event_type":"dispensing.started","created_at":"2026-01-01T00:00:00Z","data":{},"event_id":"evt_b"}',
      ),
    );
    expect(result).toEqual({ ok: false, code: 'duplicate_key', detail: expect.not.stringContaining('evt_') as unknown });
  });

  it('refuses a resource id given twice inside data', () => {
    const result = parseEnvelope(
      body(
        '{"event_id":"evt_a","event_type":"dispensing.started","created_at":"2026-01-01T00:00:00Z","data":{"dispensation_id":"dsp_1","dispensation_id":"dsp_2"}}',
      ),
    );
    expect(result).toMatchObject({ ok: false, code: 'duplicate_key' });
  });
});
