// The ops functions, called in-process with a Client made by connectOps (the CLI's own connection),
// against a real Temporal dev server, a real worker and the real receiver.
import type { Client } from '@temporalio/client';
import { connectOps, type OpsClient } from '../../src/ops/connect';
import { listOpenDiscrepancies } from '../../src/ops/discrepancies';
import { rerunEvent, RerunRefusedError, resetReasonOf } from '../../src/ops/rerun';
import { NoOpenDiscrepancyError, resolveDiscrepancy } from '../../src/ops/resolve';
import { resourceTimeline } from '../../src/ops/timeline';
import { useStack } from '../support/stack';
import { deliverAndSettle, discrepancyStory, entitySummary, eventually, playDiscrepancyStory, storyEvent, type Story } from './story';

const stack = useStack({ worker: true, receiver: true });
let ops: OpsClient;
let client: Client;
let url: string;

beforeAll(async () => {
  ops = await connectOps({ TEMPORAL_ADDRESS: stack.temporal.address });
  stack.defer(() => ops.close());
  client = ops.client;
  url = `${stack.receiver.origin}/osigu/webhooks`;
});

describe('discrepancies and resolve', () => {
  let story: Story;
  beforeAll(async () => {
    story = await playDiscrepancyStory(url, client);
  }, 60_000);

  it('lists the open discrepancy with its rules, amounts and status', async () => {
    // Visibility is a moment behind the workflow: poll until the listing carries it.
    const item = await eventually('the listing to show the discrepancy', async () =>
      (await listOpenDiscrepancies(client)).open.find((candidate) => candidate.dispensationId === story.dispensationId),
    );
    expect(item).toMatchObject({
      workflowId: `dispensation:${story.dispensationId}`,
      status: 'COMPLETED',
      rules: ['quantity_exceeds_authorized'],
      discrepancies: [{ rule: 'quantity_exceeds_authorized', amounts: { dispensed: 30, authorized: 20 } }],
      totalAmount: 375,
      currencyCode: 'GTQ',
      authorizationId: story.authorizationId,
      escalations: 0,
    });
    expect(typeof item.openedAt).toBe('string');
  });

  it('resolves it once, refuses a second resolve, and the listing drops it at once', async () => {
    const result = await resolveDiscrepancy(client, story.dispensationId, {
      decision: 'accept',
      by: 'ops-test',
      note: 'checked with the pharmacy',
    });
    expect(result).toMatchObject({
      outcome: 'resolved',
      dispensationId: story.dispensationId,
      workflowId: `dispensation:${story.dispensationId}`,
      resolution: { decision: 'accept', by: 'ops-test', note: 'checked with the pharmacy' },
    });
    expect(typeof result.resolution?.at).toBe('string');

    const state = await entitySummary(client, 'dispensation', story.dispensationId);
    expect(state?.flags).toEqual(['discrepancy_resolved']);
    expect(state?.resolution).toMatchObject({ decision: 'accept', by: 'ops-test' });

    const second = resolveDiscrepancy(client, `dispensation:${story.dispensationId}`, { decision: 'reject', by: 'someone-else' });
    await expect(second).rejects.toBeInstanceOf(NoOpenDiscrepancyError);
    await expect(second).rejects.toMatchObject({
      reason: 'not_open',
      status: 'COMPLETED',
      resolution: { decision: 'accept', by: 'ops-test' },
    });
    // The first decision stands.
    expect((await entitySummary(client, 'dispensation', story.dispensationId))?.resolution).toMatchObject({
      decision: 'accept',
      by: 'ops-test',
    });

    // Whatever visibility still says, the entity's state decides.
    const listing = await listOpenDiscrepancies(client);
    expect(listing.open.map((item) => item.dispensationId)).not.toContain(story.dispensationId);
  });

  it('refuses a dispensation that does not exist, and an id of another kind', async () => {
    await expect(resolveDiscrepancy(client, 'dsp_OPS_NEVER_DELIVERED', { decision: 'accept', by: 'ops-test' })).rejects.toMatchObject({
      name: 'NoOpenDiscrepancyError',
      reason: 'not_found',
    });
    await expect(resolveDiscrepancy(client, story.authorizationId, { decision: 'accept', by: 'ops-test' })).rejects.toThrow(
      /authorization id, not a dispensation id/,
    );
  });
});

describe('timeline', () => {
  let story: Story;
  beforeAll(async () => {
    story = await playDiscrepancyStory(url, client);
  }, 60_000);

  it("shows the authorization's state and its events in created_at order, not delivery order", async () => {
    const timeline = await resourceTimeline(client, story.authorizationId);
    expect(timeline.entity).toEqual({
      kind: 'authorization',
      resourceId: story.authorizationId,
      workflowId: `authorization:${story.authorizationId}`,
    });
    expect(timeline.entityExecutionStatus).toBe('RUNNING');
    expect(timeline.state).toMatchObject({
      status: 'CREATED',
      details: {
        authorizationCode: story.authorizationCode,
        authorizationRequestId: story.authorizationRequestId,
        dispensations: [story.dispensationId],
      },
    });
    // `updated` was delivered first; `created` has the earlier created_at.
    expect(
      timeline.events.map((event) => [event.eventId, event.eventType, event.createdAt, event.outcome, event.executionStatus, event.runs]),
    ).toEqual([
      [story.created.event_id, 'authorization.created', story.created.created_at, 'forwarded', 'COMPLETED', 1],
      [story.updated.event_id, 'authorization.updated', story.updated.created_at, 'forwarded', 'COMPLETED', 1],
    ]);
    expect(timeline.events.every((event) => typeof event.receivedAt === 'string')).toBe(true);
    expect(timeline.appliedWithoutWorkflow).toEqual([]);
  });

  it("shows the dispensation by its id or its entity workflow id, with the discrepancy's rules", async () => {
    const byId = await resourceTimeline(client, story.dispensationId);
    const byWorkflowId = await resourceTimeline(client, `dispensation:${story.dispensationId}`);
    expect(byWorkflowId.entity).toEqual(byId.entity);
    expect(byId.state).toMatchObject({
      kind: 'dispensation',
      status: 'COMPLETED',
      flags: ['discrepancy'],
      discrepancies: [{ rule: 'quantity_exceeds_authorized', amounts: { dispensed: 30, authorized: 20 } }],
      details: { totalAmount: 375, currencyCode: 'GTQ', reconciliation: 'discrepancy', authorizationId: story.authorizationId },
    });
    expect(byId.events.map((event) => event.eventId)).toEqual([story.completed.event_id]);
  });

  it('finds the events of a rejected request by its areq_ id', async () => {
    const requestId = `areq_OPSREJ${Date.now().toString(36).toUpperCase()}`;
    const rejected = storyEvent('authorization.rejected', { authorization_request_id: requestId });
    await deliverAndSettle(url, client, rejected);
    const timeline = await eventually('the rejected request entity', async () => {
      const found = await resourceTimeline(client, requestId);
      return found.state?.status === 'REJECTED' ? found : undefined;
    });
    expect(timeline.entity.workflowId).toBe(`authorization:${requestId}`);
    expect(timeline.events.map((event) => [event.eventId, event.outcome])).toEqual([[rejected.event_id, 'forwarded']]);
  });

  it('for a resource nobody heard of says so instead of failing', async () => {
    const timeline = await resourceTimeline(client, 'stl_OPS_NEVER_DELIVERED');
    expect(timeline).toMatchObject({ entityExecutionStatus: null, state: null, stateError: null, events: [] });
  });
});

describe('rerun', () => {
  let story: Story;
  beforeAll(async () => {
    story = await playDiscrepancyStory(url, client, discrepancyStory());
  }, 60_000);

  it('re-runs an event workflow from its first workflow task with the reason recorded, and the entity ignores the copy', async () => {
    const eventId = story.completed.event_id;
    const before = (await client.workflow.getHandle(eventId).describe()).runId;
    const entityBefore = await entitySummary(client, 'dispensation', story.dispensationId);

    const result = await rerunEvent(client, eventId, 'ops test: re-run after a fix');
    expect(result).toMatchObject({
      eventId,
      workflowType: 'dispensingEventWorkflow',
      baseRunId: before,
      reason: 'ops test: re-run after a fix',
    });
    expect(result.resetToEventId).toBeGreaterThan(0);
    expect(result.newRunId).not.toBe(before);

    const description = await client.workflow.getHandle(eventId).describe();
    expect(description.runId).toBe(result.newRunId);
    const newRun = client.workflow.getHandle(eventId, result.newRunId);
    expect(resetReasonOf(await newRun.fetchHistory())).toBe('ops test: re-run after a fix');
    expect(resetReasonOf(await client.workflow.getHandle(eventId, before).fetchHistory())).toBeUndefined();
    // The new run did the work again: it handed the same event to the entity once more.
    expect(await newRun.result()).toMatchObject({
      eventId,
      outcome: 'forwarded',
      entityWorkflowId: `dispensation:${story.dispensationId}`,
    });

    // A later event, applied after the copy (signals are handled in order), shows the copy was dropped.
    const started = storyEvent('dispensing.started', { dispensation_id: story.dispensationId, code: story.authorizationCode });
    await deliverAndSettle(url, client, started);
    const entityAfter = await eventually('the entity to apply the later event', async () => {
      const state = await entitySummary(client, 'dispensation', story.dispensationId);
      return state?.eventIds.includes(started.event_id) === true ? state : undefined;
    });
    expect(entityBefore?.eventIds).toEqual([story.completed.event_id]);
    expect([...entityAfter.eventIds].sort()).toEqual([story.completed.event_id, started.event_id].sort());
    // The copy did reach the entity (three applyEvent updates for two events), and was dropped.
    const entityHistory = await client.workflow.getHandle(`dispensation:${story.dispensationId}`).fetchHistory();
    const handed = (entityHistory.events ?? []).filter(
      (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'applyEvent',
    );
    expect(handed).toHaveLength(3);
    // Still the same discrepancy, not reconciled again.
    expect(entityAfter.flags).toEqual(['discrepancy']);

    // The timeline counts both runs under the one event id (once visibility has the new run).
    const timeline = await eventually('the timeline to count two runs', async () => {
      const found = await resourceTimeline(client, story.dispensationId);
      return found.events.find((event) => event.eventId === eventId)?.runs === 2 ? found : undefined;
    });
    expect(timeline.events.find((event) => event.eventId === eventId)).toMatchObject({
      runId: result.newRunId,
      executionStatus: 'COMPLETED',
      outcome: 'forwarded',
    });
  });

  it('refuses without a reason, for an unknown id, and for an entity workflow', async () => {
    await expect(rerunEvent(client, story.created.event_id, '   ')).rejects.toBeInstanceOf(RerunRefusedError);
    await expect(rerunEvent(client, 'evt_OPS_NEVER_DELIVERED', 'why')).rejects.toThrow(/no such workflow/);
    await expect(rerunEvent(client, `dispensation:${story.dispensationId}`, 'why')).rejects.toThrow(
      /dispensationEntityWorkflow, not an event workflow/,
    );
  });
});

describe('without a worker', () => {
  let story: Story;
  beforeAll(async () => {
    story = await playDiscrepancyStory(url, client);
    await eventually('the listing to show the discrepancy', async () =>
      (await listOpenDiscrepancies(client)).open.some((item) => item.dispensationId === story.dispensationId) ? true : undefined,
    );
    // Last in this file: nothing after this needs a worker.
    await stack.worker.stop();
  }, 60_000);

  it('the listing names what it could not check instead of failing, and the timeline still lists events', async () => {
    const listing = await listOpenDiscrepancies(client, { queryTimeoutMs: 1_000 });
    expect(listing.open.map((item) => item.dispensationId)).not.toContain(story.dispensationId);
    expect(listing.unavailable).toContainEqual({
      workflowId: `dispensation:${story.dispensationId}`,
      reason: expect.stringContaining('state query failed') as unknown,
    });

    const timeline = await resourceTimeline(client, story.dispensationId, { queryTimeoutMs: 1_000 });
    expect(timeline.state).toBeNull();
    expect(timeline.stateError).toContain('state query failed');
    expect(timeline.events.map((event) => [event.eventId, event.outcome])).toEqual([[story.completed.event_id, 'forwarded']]);

    // The Update waits for a worker: no answer within the wait is `pending`, nothing assumed.
    await expect(
      resolveDiscrepancy(client, story.dispensationId, { decision: 'accept', by: 'ops-test' }, { waitMs: 1_000 }),
    ).resolves.toMatchObject({ outcome: 'pending', resolution: null });
  });
});
