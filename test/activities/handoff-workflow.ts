// A workflow that only hands one event to an entity nobody serves, for
// test/activities/entity-handoff.integration.test.ts: its activity waits on an Update that
// cannot be answered, as a hand-off does while its worker is draining.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../src/activities';

const { forwardEvent } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 1 } });

export async function handOffOnce(resourceId: string): Promise<void> {
  await forwardEvent('authorization', resourceId, {
    eventId: `evt_handoff_${resourceId}`,
    eventType: 'authorization.created',
    createdAt: '2026-11-25T12:00:00Z',
    data: {},
  });
}
