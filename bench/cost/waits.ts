// How long each event workflow's first workflow task waited for a worker (scheduled → started),
// read from the histories. It is the part of an event's follow-up that eager workflow start would
// remove (the start's answer carrying that task to a worker in the starter's process), so it is
// what the evaluation of eager start weighs against running a worker inside the receiver. Pure.
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { summarize, type LatencySummary } from '../measure/latency';
import type { EventHistory } from './attribute';

const { EventType } = temporal.api.enums.v1;

export interface FirstTaskWaits extends LatencySummary {
  /** Event workflows whose first task was both scheduled and started in the history read. */
  count: number;
}

export function firstTaskWaits(histories: readonly EventHistory[]): FirstTaskWaits {
  const samples: number[] = [];
  for (const { events } of histories) {
    const scheduled = events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    const started = events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const from = optionalTsToMs(scheduled?.eventTime);
    const to = optionalTsToMs(started?.eventTime);
    if (from !== undefined && to !== undefined) samples.push(to - from);
  }
  return { count: samples.length, ...summarize(samples) };
}
