import { loadFixtures } from '../../simulator/events/fixtures';
import { routeEvent, type EventRoute } from '../../src/temporal/routing';
import { FIXTURES_DIR } from '../support/delivery';

interface Fixture {
  event_type: string;
  data: Record<string, unknown>;
}

const fixtures = loadFixtures({ dir: FIXTURES_DIR }).map((fixture) => fixture.event as unknown as Fixture);

// Written out by hand (not derived from EVENT_FAMILIES) so that a wrong table in src fails here.
const EXPECTED: Record<string, EventRoute> = {
  'authorization.created': {
    workflowType: 'authorizationEventWorkflow',
    family: 'authorization',
    resourceId: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N',
  },
  // A rejected request never became an authorization: the request id is its resource.
  'authorization.rejected': {
    workflowType: 'authorizationEventWorkflow',
    family: 'authorization',
    resourceId: 'areq_01JA1Z2Y3X4W5V6T7S8R9Q0P2P',
  },
  'authorization.updated': {
    workflowType: 'authorizationEventWorkflow',
    family: 'authorization',
    resourceId: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N',
  },
  'authorization.voided': {
    workflowType: 'authorizationEventWorkflow',
    family: 'authorization',
    resourceId: 'auth_01JA2B3C4D5E6F7G8H9J0K1M2N',
  },
  'dispensing.started': { workflowType: 'dispensingEventWorkflow', family: 'dispensing', resourceId: 'dsp_01JC0000000000000000000001' },
  // Carries authorization_id too: the dispensation is still the resource.
  'dispensing.completed': { workflowType: 'dispensingEventWorkflow', family: 'dispensing', resourceId: 'dsp_01JC0000000000000000000001' },
  'dispensing.cancelled': { workflowType: 'dispensingEventWorkflow', family: 'dispensing', resourceId: 'dsp_01JC0000000000000000000002' },
  'prescription.issued': { workflowType: 'prescriptionEventWorkflow', family: 'prescription', resourceId: 'rx_01JE0000000000000000000001' },
  'prescription.email_delivered': {
    workflowType: 'prescriptionEventWorkflow',
    family: 'prescription',
    resourceId: 'rx_01JE0000000000000000000001',
  },
  'prescription.email_failed': {
    workflowType: 'prescriptionEventWorkflow',
    family: 'prescription',
    resourceId: 'rx_01JE0000000000000000000001',
  },
  'settlement.paid': { workflowType: 'settlementEventWorkflow', family: 'settlement', resourceId: 'stl_01JH0000000000000000000001' },
  'settlement.rejected': { workflowType: 'settlementEventWorkflow', family: 'settlement', resourceId: 'stl_01JH0000000000000000000002' },
  'settlement.partially_accepted': {
    workflowType: 'settlementEventWorkflow',
    family: 'settlement',
    resourceId: 'stl_01JH0000000000000000000003',
  },
};

const route = (eventType: string, data: Record<string, unknown> = {}): EventRoute => routeEvent({ event_type: eventType, data });
const generic = (family: string): EventRoute => ({ workflowType: 'genericEventWorkflow', family, resourceId: undefined });

describe('routeEvent', () => {
  describe('every fixture', () => {
    it('has an expected route in this table (a new fixture must be added here)', () => {
      expect(fixtures.map((fixture) => fixture.event_type).sort()).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(fixtures.map((fixture) => [fixture.event_type, fixture] as const))(
      '%s goes to its family workflow with its resource id',
      (type, fixture) => {
        expect(routeEvent(fixture)).toEqual(EXPECTED[type]);
      },
    );
  });

  describe('resource ids', () => {
    it('authorization: authorization_id comes first, authorization_request_id is the fallback', () => {
      expect(route('authorization.created', { authorization_id: 'auth_1', authorization_request_id: 'areq_1' }).resourceId).toBe('auth_1');
      expect(route('authorization.rejected', { authorization_request_id: 'areq_1' }).resourceId).toBe('areq_1');
    });

    it('a field of the wrong type is skipped and the next candidate field is used', () => {
      expect(route('authorization.created', { authorization_id: 42, authorization_request_id: 'areq_1' }).resourceId).toBe('areq_1');
    });

    it.each([
      ['a number', { dispensation_id: 12345 }],
      ['null', { dispensation_id: null }],
      ['an object', { dispensation_id: { id: 'dsp_1' } }],
      ['an array', { dispensation_id: ['dsp_1'] }],
      ['a boolean', { dispensation_id: true }],
      ['an empty string', { dispensation_id: '' }],
      ['256 characters', { dispensation_id: `dsp_${'x'.repeat(252)}` }],
      ['absent', {}],
      ['only under another family field', { prescription_id: 'rx_1' }],
    ])('is undefined when the field is %s, and the event still goes to its family', (_label, data) => {
      expect(route('dispensing.started', data)).toEqual({
        workflowType: 'dispensingEventWorkflow',
        family: 'dispensing',
        resourceId: undefined,
      });
    });

    it('is kept at exactly 255 characters', () => {
      const id = `dsp_${'x'.repeat(251)}`;
      expect(route('dispensing.started', { dispensation_id: id }).resourceId).toBe(id);
    });

    it('is not looked up in nested objects', () => {
      expect(route('settlement.paid', { settlement: { settlement_id: 'stl_1' } }).resourceId).toBeUndefined();
    });
  });

  describe('unknown event types go to the generic workflow', () => {
    it.each([
      ['claims.audited', 'claims'],
      ['claims.audit.completed', 'claims'],
      ['beneficiary.updated', 'beneficiary'],
      ['ping', 'ping'],
      ['a.b', 'a'],
      // No empty family: a leading dot keeps the whole type.
      ['.created', '.created'],
    ])('%s: family %j, no resource id even when data has one', (type, family) => {
      expect(route(type, { authorization_id: 'auth_1', dispensation_id: 'dsp_1', settlement_id: 'stl_1' })).toEqual(generic(family));
    });
  });

  describe('pattern matching (picomatch with Osigu-style `family.*`)', () => {
    it.each([
      ['authorization', 'the family name without a dot'],
      ['authorizationX', 'a longer word'],
      ['authorizationXcreated', 'any character where the dot belongs'],
      ['authorization_created', 'an underscore where the dot belongs'],
      ['xauthorization.created', 'a prefix before the family'],
      ['dispensing', 'another family name without a dot'],
    ])('%s (%s) does not match authorization.* or any family', (type) => {
      expect(route(type, { authorization_id: 'auth_1', dispensation_id: 'dsp_1' }).workflowType).toBe('genericEventWorkflow');
    });

    it('is case-sensitive: Authorization.created is an unknown type whose family keeps its case', () => {
      expect(route('Authorization.created', { authorization_id: 'auth_1' })).toEqual(generic('Authorization'));
      expect(route('AUTHORIZATION.CREATED')).toEqual(generic('AUTHORIZATION'));
      expect(route('authorization.Created', { authorization_id: 'auth_1' }).workflowType).toBe('authorizationEventWorkflow');
    });

    it.each(['authorization.sub.action', 'authorization.created.v2', 'authorization..created'])(
      '%s matches: `*` crosses dots (pinned)',
      (type) => {
        expect(route(type, { authorization_id: 'auth_1' })).toEqual({
          workflowType: 'authorizationEventWorkflow',
          family: 'authorization',
          resourceId: 'auth_1',
        });
      },
    );

    it('authorization. (nothing after the dot) matches: `*` also matches the empty run (pinned)', () => {
      expect(route('authorization.', { authorization_id: 'auth_1' }).workflowType).toBe('authorizationEventWorkflow');
    });

    it.each(['authorization.!x', 'authorization.[x]', 'authorization.{a,b}', 'authorization.*', 'authorization.\\x'])(
      'glob syntax inside the event type (%s) is taken literally and still matches the family',
      (type) => {
        expect(route(type).workflowType).toBe('authorizationEventWorkflow');
      },
    );

    // picomatch's `*` stops at '/', as in paths. Osigu's types are `family.action`, so a '/' means
    // something we do not know: the event is still accepted, by the generic workflow.
    it('authorization.created/v2 goes to the generic workflow, accepted and visible', () => {
      expect(route('authorization.created/v2', { authorization_id: 'auth_1' }).workflowType).toBe('genericEventWorkflow');
    });

    it('routes the same type the same way every time (the matchers keep no state)', () => {
      const first = route('settlement.paid', { settlement_id: 'stl_1' });
      for (let i = 0; i < 100; i += 1) expect(route('settlement.paid', { settlement_id: 'stl_1' })).toEqual(first);
    });
  });
});
