import { parseEnvelope } from '../../../src/osigu/envelope';
import { routeEvent } from '../../../src/temporal/routing';
import { EVENT_TYPES, FAMILIES, familyOf, typesMatching } from '../../../simulator/events/event-types';
import { generateEvent, generateEvents, generateStories, generateStory } from '../../../simulator/events/generate';
import { ULID_LIKE } from '../../../simulator/events/ids';
import { createRandom } from '../../../simulator/events/random';
import type { SimulatedEvent } from '../../../simulator/events/simulated-event';
import { thrownBy } from './thrown';

// Written out by hand (not imported from the generator) so a wrong prefix there fails here.
const PREFIX_OF_FIELD: Record<string, string> = {
  event_id: 'evt_',
  authorization_id: 'auth_',
  authorization_request_id: 'areq_',
  beneficiary_id: 'bnf_',
  dispensation_id: 'dsp_',
  prescription_id: 'rx_',
  patient_id: 'pat_',
  doctor_id: 'doc_',
  settlement_id: 'stl_',
  claim_id: 'clm_',
  provider_id: 'prv_',
  branch_id: 'branch_',
};

/** Every `…_id` field anywhere in the event, with its value. */
function idFields(value: unknown, found: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(value)) value.forEach((item) => idFields(item, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key.endsWith('_id')) found.push([key, inner]);
      idFields(inner, found);
    }
  }
  return found;
}

const cents = (amount: unknown) => Math.round(Number(amount) * 100);
const many = generateStories(createRandom(20261125), 400);
const allEvents = many.flat();

describe('the event generator', () => {
  it('gives identical output for the same seed, and other output for another seed', () => {
    const first = generateStories(createRandom(42), 50);
    expect(generateStories(createRandom(42), 50)).toEqual(first);
    expect(JSON.stringify(generateStories(createRandom(43), 50))).not.toEqual(JSON.stringify(first));
    expect(generateEvents(createRandom(7), 30)).toEqual(generateEvents(createRandom(7), 30));
  });

  it.each(EVENT_TYPES)('makes %s events the receiver accepts and routes to their family', (type) => {
    const random = createRandom(1);
    for (let i = 0; i < 25; i += 1) {
      const event = generateEvent(random, type);
      const parsed = parseEnvelope(Buffer.from(JSON.stringify(event), 'utf8'));
      expect(parsed).toEqual({ ok: true, event });
      const route = routeEvent(event);
      expect(route.family).toBe(familyOf(type));
      expect(route.workflowType).toBe(`${familyOf(type)}EventWorkflow`);
      expect(route.resourceId).toEqual(expect.any(String));
      expect(event.event_type).toBe(type);
    }
  });

  it('covers all 13 types and all four families across stories', () => {
    expect(new Set(allEvents.map((event) => event.event_type))).toEqual(new Set(EVENT_TYPES));
    expect(EVENT_TYPES).toHaveLength(13);
    expect(FAMILIES).toEqual(['authorization', 'dispensing', 'prescription', 'settlement']);
  });

  it('gives every id its prefix and 26 ULID-like characters, and every event its own event_id', () => {
    for (const event of allEvents) {
      for (const [field, value] of idFields(event)) {
        // dispensing.completed names both references; the one not used is null, as in the fixture.
        if (value === null && (field === 'authorization_id' || field === 'prescription_id' || field === 'claim_id')) continue;
        expect(Object.keys(PREFIX_OF_FIELD)).toContain(field);
        const prefix = PREFIX_OF_FIELD[field] ?? '?';
        expect(typeof value === 'string' && value.startsWith(prefix) && ULID_LIKE.test(value.slice(prefix.length))).toBe(true);
      }
    }
    expect(new Set(allEvents.map((event) => event.event_id)).size).toBe(allEvents.length);
  });

  it('keeps totals equal to the sum of quantity × unit price, and settlement totals to the sum of claims', () => {
    const random = createRandom(99);
    for (let i = 0; i < 50; i += 1) {
      const { data } = generateEvent(random, 'dispensing.completed');
      const products = data.products as { quantity: number; unit_price: number }[];
      expect(products.length).toBeGreaterThan(0);
      expect(cents(data.total_amount)).toBe(products.reduce((sum, product) => sum + product.quantity * cents(product.unit_price), 0));

      const partial = generateEvent(random, 'settlement.partially_accepted').data;
      const claims = partial.claims as { status: string; amount: number }[];
      expect(cents(partial.total_amount)).toBe(claims.reduce((sum, claim) => sum + cents(claim.amount), 0));
      expect(cents(partial.accepted_amount)).toBe(
        claims.filter((claim) => claim.status === 'ACCEPTED').reduce((sum, claim) => sum + cents(claim.amount), 0),
      );
      expect(new Set(claims.map((claim) => claim.status))).toEqual(new Set(['ACCEPTED', 'REJECTED']));

      const paid = generateEvent(random, 'settlement.paid').data;
      expect(paid.paid_amount).toBe(paid.total_amount);
    }
  });

  it('makes created_at strictly increase within a story, and keeps one resource per story', () => {
    for (const story of many) {
      const times = story.map((event) => Date.parse(event.created_at));
      times.slice(1).forEach((time, index) => expect(time).toBeGreaterThan(times[index] as number));
      expect(new Set(story.map((event) => routeEvent(event).resourceId)).size).toBe(1);
    }
  });

  it('tells the lives Osigu describes', () => {
    const random = createRandom(5);
    const shapes = (family: (typeof FAMILIES)[number]) =>
      new Set(
        Array.from({ length: 200 }, () =>
          generateStory(random, family)
            .map((event: SimulatedEvent) => event.event_type.split('.')[1])
            .join('→'),
        ),
      );
    expect(shapes('authorization')).toEqual(
      new Set(['created', 'created→updated', 'created→voided', 'created→updated→voided', 'rejected']),
    );
    expect(shapes('dispensing')).toEqual(new Set(['started→completed', 'started→cancelled']));
    expect(shapes('prescription')).toEqual(new Set(['issued→email_delivered', 'issued→email_failed']));
    expect(shapes('settlement')).toEqual(new Set(['paid', 'rejected', 'partially_accepted']));

    // A dispensation redeems an authorization or a prescription, and says which.
    for (let i = 0; i < 30; i += 1) {
      const { data } = generateEvent(random, 'dispensing.completed');
      expect(data.code_type === 'AUTHORIZATION' ? data.authorization_id : data.prescription_id).toEqual(expect.any(String));
    }
  });

  it('uses the environment it is given, sandbox by default', () => {
    expect(generateEvent(createRandom(3), 'settlement.paid').environment).toBe('sandbox');
    expect(generateEvent(createRandom(3), 'settlement.paid', { environment: 'production' }).environment).toBe('production');
  });

  it('selects types with Osigu patterns, and names the known types when none matches', () => {
    expect(typesMatching('authorization.*')).toEqual([
      'authorization.created',
      'authorization.rejected',
      'authorization.updated',
      'authorization.voided',
    ]);
    expect(typesMatching('*')).toHaveLength(13);
    const events = generateEvents(createRandom(8), 40, { types: typesMatching('prescription.email_*') });
    expect(new Set(events.map((event) => event.event_type))).toEqual(
      new Set(['prescription.email_delivered', 'prescription.email_failed']),
    );
    const error = thrownBy(() => typesMatching('claims.*'));
    expect(error.code).toBe('no_matching_types');
    expect(error.message).toContain('settlement.paid');
  });
});
