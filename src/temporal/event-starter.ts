import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { OsiguEvent } from '../osigu/envelope';
import { DEV_RESOURCE_ID_HASH_KEY, hashId } from '../osigu/id-key';
import { eventTypeLabel, idKey, type IdFlag } from '../osigu/ids';
import type { EventWorkflowInput } from '../workflows/event-input';
import type { EventRoute } from './routing';
import { OSIGU_ENVIRONMENT, OSIGU_EVENT_FAMILY, OSIGU_EVENT_TYPE, OSIGU_RESOURCE_ID } from './search-attributes';

export type StartOutcome = { duplicate: false; runId: string } | { duplicate: true };

/** Starts the one workflow an event becomes; throws when Temporal did not acknowledge in time. */
export type EventStarter = (event: OsiguEvent, route: EventRoute, receivedAt: Date) => Promise<StartOutcome>;

export interface EventStarterOptions {
  client: Client;
  taskQueue: string;
  /** Deadline for the whole start call, retries included. */
  timeoutMs: number;
  /** The Osigu environment this receiver serves; the workflow ignores events from the other. */
  expectedEnvironment: string;
  /** The keyed hash for ids outside the grammar (RESOURCE_ID_HASH_KEY); the development key when unset. */
  hash?: (raw: string) => string;
}

/** What of an event may be written where nothing is encrypted: its workflow id and resource key. */
export interface EventKeys {
  workflowId: string;
  resourceKey: string | undefined;
  flags: IdFlag[];
}

/**
 * The event's workflow id is its `event_id` when that matches the id grammar, else the id's keyed
 * hash: the event is still processed (and deduplicated, the hash being deterministic), flagged
 * `event_id_hashed`, and the raw id stays in the encrypted input. The same for the resource id.
 */
export function eventKeys(event: Pick<OsiguEvent, 'event_id'>, route: EventRoute, hash: (raw: string) => string): EventKeys {
  const flags: IdFlag[] = [];
  const eventKey = idKey(event.event_id, hash);
  if (eventKey.hashed) flags.push('event_id_hashed');
  let resourceKey: string | undefined;
  if (route.resourceId !== undefined) {
    const key = idKey(route.resourceId, hash);
    if (key.hashed) flags.push('resource_id_hashed');
    resourceKey = key.key;
  }
  return { workflowId: eventKey.key, resourceKey, flags };
}

/**
 * The Web UI's one-line title for an event workflow, e.g. `dispensing.completed · dsp_01JC…`: the
 * type (when it matches the type grammar) and the PHI-safe resource key, nothing from `data`.
 * The SDK sends it through the payload codec, so with encryption on the Web UI shows it through
 * the codec server, like the payloads.
 */
export function eventSummary(event: Pick<OsiguEvent, 'event_type'>, resourceKey: string | undefined): string {
  const type = eventTypeLabel(event.event_type);
  return resourceKey === undefined ? type : `${type} · ${resourceKey}`;
}

export function createEventStarter({
  client,
  taskQueue,
  timeoutMs,
  expectedEnvironment,
  hash = hashId(DEV_RESOURCE_ID_HASH_KEY),
}: EventStarterOptions): EventStarter {
  return async (event, route, receivedAt) => {
    const { workflowId, resourceKey, flags } = eventKeys(event, route, hash);
    const input: EventWorkflowInput = {
      event,
      receivedAt: receivedAt.toISOString(),
      expectedEnvironment,
      ...(resourceKey === undefined ? {} : { resourceKey }),
      ...(flags.length === 0 ? {} : { flags }),
    };
    try {
      const handle = await client.withDeadline(Date.now() + timeoutMs, () =>
        client.workflow.start(route.workflowType, {
          taskQueue,
          args: [input],
          workflowId,
          // The event id *is* the dedupe key, so no delivery may ever make a second run:
          // - REJECT_DUPLICATE: once a run exists (finished, failed or terminated), a redelivery is
          //   refused for as long as the namespace retains it (7 days, past Osigu's 72 h of retries).
          //   ALLOW_DUPLICATE_FAILED_ONLY would re-run a failed event on redelivery, which belongs to
          //   an operator's deliberate reset, not to Osigu's retry timer.
          // - FAIL while running: USE_EXISTING would hide whether we started it; FAIL tells us, and
          //   both ways the delivery is acknowledged as a duplicate.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          staticSummary: eventSummary(event, resourceKey),
          typedSearchAttributes: [
            { key: OSIGU_EVENT_TYPE, value: eventTypeLabel(event.event_type) },
            { key: OSIGU_EVENT_FAMILY, value: route.family },
            ...(resourceKey === undefined ? [] : [{ key: OSIGU_RESOURCE_ID, value: resourceKey }]),
            ...(event.environment === undefined ? [] : [{ key: OSIGU_ENVIRONMENT, value: event.environment }]),
          ],
        }),
      );
      return { duplicate: false, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { duplicate: true };
      throw error;
    }
  };
}
