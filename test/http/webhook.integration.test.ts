import { WorkflowNotFoundError } from '@temporalio/client';
import { signatureHeader } from '../../src/osigu/signature';
import { deliver, fixtureEvent, FIXTURES_DIR, TEST_SECRET, uniqueEventId } from '../support/delivery';
import { runsOf, startTestReceiver, useStack } from '../support/stack';
import { fixtureTypes } from '../../simulator/events/fixtures';

const stack = useStack({ worker: true, receiver: true, receiverEnv: { WEBHOOK_BODY_LIMIT: '64kb' }, client: true });
let url: string;

beforeAll(() => {
  url = `${stack.receiver.origin}/osigu/webhooks`;
});

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('a new event', () => {
  it('is acknowledged only once its workflow exists, and the workflow completes', async () => {
    const event = fixtureEvent('dispensing.completed');
    const response = await deliver(url, JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, event_id: event.event_id, duplicate: false });

    const handle = stack.client.workflow.getHandle(String(event.event_id));
    const description = await handle.describe();
    expect(description.type).toBe('dispensingEventWorkflow');
    expect(description.taskQueue).toBe('osigu-webhooks-test');
    expect(await handle.result()).toMatchObject({
      eventId: event.event_id,
      eventType: 'dispensing.completed',
      family: 'dispensing',
      resourceId: 'dsp_01JC0000000000000000000001',
    });
    const attributes = (await handle.describe()).searchAttributes;
    expect(attributes).toMatchObject({
      OsiguEventType: ['dispensing.completed'],
      OsiguEventFamily: ['dispensing'],
      OsiguResourceId: ['dsp_01JC0000000000000000000001'],
      OsiguEnvironment: ['sandbox'],
    });
  });

  it.each(fixtureTypes(FIXTURES_DIR))('%s is routed to its family workflow', async (type) => {
    const event = fixtureEvent(type);
    const response = await deliver(url, JSON.stringify(event));
    expect(response.status).toBe(200);
    const family = type.split('.')[0];
    const handle = stack.client.workflow.getHandle(String(event.event_id));
    expect((await handle.describe()).type).toBe(`${family}EventWorkflow`);
    expect(await handle.result()).toMatchObject({ eventType: type, family });
  });

  it('of an unknown type is accepted and recorded by the generic workflow', async () => {
    const event = fixtureEvent('settlement.paid', { event_type: 'claims.audited' });
    const response = await deliver(url, JSON.stringify(event));
    expect(response.status).toBe(200);
    const handle = stack.client.workflow.getHandle(String(event.event_id));
    expect((await handle.describe()).type).toBe('genericEventWorkflow');
    expect(await handle.result()).toMatchObject({ eventType: 'claims.audited', family: 'claims', resourceId: null });
  });

  it('signed with the second of two rotating secrets is accepted', async () => {
    const rotating = await startTestReceiver(stack.temporal.address, { OSIGU_WEBHOOK_SECRET: 'whsec_old_secret, whsec_new_secret' });
    try {
      const event = fixtureEvent('authorization.created');
      const response = await deliver(`${rotating.origin}/osigu/webhooks`, JSON.stringify(event), { secret: 'whsec_new_secret' });
      expect(response.status).toBe(200);
      await stack.client.workflow.getHandle(String(event.event_id)).result();
    } finally {
      await rotating.close();
    }
  });
});

describe('a redelivered event', () => {
  it('sent 20 times at once gets 20 acknowledgements and exactly one run', async () => {
    const body = JSON.stringify(fixtureEvent('authorization.created'));
    const eventId = (JSON.parse(body) as { event_id: string }).event_id;
    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(url, body)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const answers = (await Promise.all(responses.map((response) => response.json()))) as { duplicate: boolean }[];
    expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);

    await stack.client.workflow.getHandle(eventId).result();
    expect(await runsOf(stack.client, eventId)).toHaveLength(1);
  });

  it('after its workflow completed is a duplicate and starts nothing', async () => {
    const body = JSON.stringify(fixtureEvent('prescription.issued'));
    const eventId = (JSON.parse(body) as { event_id: string }).event_id;
    expect((await deliver(url, body)).status).toBe(200);
    const handle = stack.client.workflow.getHandle(eventId);
    await handle.result();
    const firstRun = (await handle.describe()).runId;

    const again = await deliver(url, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, event_id: eventId, duplicate: true });
    expect((await handle.describe()).runId).toBe(firstRun);
  });
});

describe('a refused delivery starts no workflow', () => {
  it('with a wrong secret: 401 signature_mismatch', async () => {
    const event = fixtureEvent('authorization.created');
    const response = await deliver(url, JSON.stringify(event), { secret: 'whsec_someone_else' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'signature_mismatch' });
    await expectNoWorkflow(String(event.event_id));
  });

  it('with a body altered after signing: 401', async () => {
    const event = fixtureEvent('authorization.created');
    const body = JSON.stringify(event);
    const signed = await deliver(url, body); // control: the untouched bytes pass
    expect(signed.status).toBe(200);
    const tampered = { ...event, event_id: uniqueEventId() };
    const header = signatureHeaderFor(body);
    const response = await fetch(url, { method: 'POST', headers: { 'x-osigu-signature': header }, body: JSON.stringify(tampered) });
    expect(response.status).toBe(401);
    await expectNoWorkflow(String(tampered.event_id));
  });

  it('with a stale timestamp: 401 timestamp_too_old', async () => {
    const event = fixtureEvent('authorization.created');
    const response = await deliver(url, JSON.stringify(event), { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'timestamp_too_old' });
    await expectNoWorkflow(String(event.event_id));
  });

  it('with a timestamp from the future: 401 timestamp_in_future', async () => {
    const event = fixtureEvent('authorization.created');
    const response = await deliver(url, JSON.stringify(event), { timestamp: Math.floor(Date.now() / 1000) + 3_600 });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'timestamp_in_future' });
  });

  it('without a signature: 401 signature_missing', async () => {
    const event = fixtureEvent('authorization.created');
    const response = await fetch(url, { method: 'POST', body: JSON.stringify(event) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'signature_missing' });
    await expectNoWorkflow(String(event.event_id));
  });

  it('over the body limit: 413, before the signature is verified', async () => {
    const event = fixtureEvent('prescription.issued', { padding: 'x'.repeat(70 * 1024) });
    const response = await deliver(url, JSON.stringify(event));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'body_too_large' });
    await expectNoWorkflow(String(event.event_id));
  });

  it('signed but not JSON: 400 invalid_json', async () => {
    const response = await deliver(url, '{"event_id": "evt_1", ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_json' });
  });

  it('signed but not UTF-8: 400 invalid_utf8', async () => {
    const bytes = Buffer.concat([Buffer.from('{"event_id":"evt_'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const response = await deliver(url, bytes);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_utf8' });
  });

  it('signed JSON without the envelope: 400 invalid_envelope', async () => {
    const event = fixtureEvent('authorization.created', { data: 'not an object' });
    const response = await deliver(url, JSON.stringify(event));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_envelope' });
    await expectNoWorkflow(String(event.event_id));
  });

  it('compressed: 415, since the signature covers the bytes as sent', async () => {
    const event = fixtureEvent('authorization.created');
    const response = await deliver(url, JSON.stringify(event), { headers: { 'content-encoding': 'gzip' } });
    expect(response.status).toBe(415);
    await expectNoWorkflow(String(event.event_id));
  });
});

describe('routes', () => {
  it('answers 405 with Allow for other methods on the webhook path', async () => {
    const response = await fetch(url, { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
    expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('answers 404 elsewhere', async () => {
    const response = await fetch(`${stack.receiver.origin}/webhooks`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('reports liveness and readiness', async () => {
    expect((await fetch(`${stack.receiver.origin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.receiver.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', temporal: 'reachable' });
  });
});

function signatureHeaderFor(body: string): string {
  return signatureHeader(body, { secrets: TEST_SECRET, timestamp: Math.floor(Date.now() / 1000) });
}
