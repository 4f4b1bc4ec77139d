import { dispensationRefOf, entityRefOf, EVENT_WORKFLOW_TYPES, InvalidResourceIdError } from '../../src/ops/resources';

describe('entityRefOf', () => {
  it.each([
    ['auth_01JA2B3C4D5E6F7G8H9J0K1M2N', 'authorization'],
    ['areq_01JA1Z2Y3X4W5V6T7S8R9Q0P2P', 'authorization'],
    ['dsp_01JC0000000000000000000001', 'dispensation'],
    ['rx_01JE0000000000000000000001', 'prescription'],
    ['stl_01JH0000000000000000000001', 'settlement'],
  ])('maps %s to its %s entity', (id, kind) => {
    expect(entityRefOf(id)).toEqual({ kind, resourceId: id, workflowId: `${kind}:${id}` });
  });

  it('takes a full entity workflow id as it is', () => {
    expect(entityRefOf('dispensation:dsp_1')).toEqual({ kind: 'dispensation', resourceId: 'dsp_1', workflowId: 'dispensation:dsp_1' });
    expect(entityRefOf(' settlement:stl_9 ')).toEqual({ kind: 'settlement', resourceId: 'stl_9', workflowId: 'settlement:stl_9' });
  });

  it.each([
    'evt_01JB0000000000000000000001',
    'auth_',
    'dispensing:dsp_1',
    'dispensation:',
    'dispensation:a:b',
    "dsp_1' OR 1=1",
    'dsp_1 x',
    '',
  ])('refuses %j', (id) => {
    expect(() => entityRefOf(id)).toThrow(InvalidResourceIdError);
  });
});

describe('dispensationRefOf', () => {
  it('takes a bare id, a full id, or an id Osigu formats differently', () => {
    expect(dispensationRefOf('dsp_1').workflowId).toBe('dispensation:dsp_1');
    expect(dispensationRefOf('dispensation:dsp_1').resourceId).toBe('dsp_1');
    expect(dispensationRefOf('D-42').workflowId).toBe('dispensation:D-42');
  });

  it("refuses another kind's id", () => {
    expect(() => dispensationRefOf('auth_1')).toThrow('"auth_1" is a authorization id, not a dispensation id');
    expect(() => dispensationRefOf('settlement:stl_1')).toThrow(InvalidResourceIdError);
  });
});

it('knows the event workflow types, and no entity type among them', () => {
  expect([...EVENT_WORKFLOW_TYPES].sort()).toEqual([
    'authorizationEventWorkflow',
    'dispensingEventWorkflow',
    'genericEventWorkflow',
    'prescriptionEventWorkflow',
    'settlementEventWorkflow',
  ]);
});
