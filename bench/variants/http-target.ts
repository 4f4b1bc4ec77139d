/**
 * How an HTTP variant is driven: fixed rates by the bench's own pacer over keep-alive
 * connections, the closed-loop maximum by `runLoad` (autocannon, as `npm run osigu -- load`),
 * both with the same events, signed the same way.
 */
import { runLoad, type LoadReport } from '../../simulator/commands/load';
import { httpFire } from '../load/http-fire';
import { eventIdPrefix } from '../load/events';
import { drive, type DriveSpec, type Progress } from '../load/pacer';
import type { RunContext, StepRun } from './types';

/** Osigu waits 10 s for an answer. */
export const REQUEST_TIMEOUT_MS = 10_000;

function fromLoadReport(report: LoadReport): StepRun {
  const outcomes: Record<string, number> = { ...report.status.byCode };
  if (report.timeouts > 0) outcomes.timeout = report.timeouts;
  if (report.errors > 0) outcomes.connection_error = report.errors;
  return {
    generator: `autocannon (runLoad), ${report.connections} connections`,
    durationSeconds: report.durationSeconds,
    sent: report.sent,
    answered: report.answered,
    acknowledged: report.acknowledged.count,
    outcomes,
    latencyMs: report.latencyMs,
    acknowledgedIds: report.acknowledged.eventIds,
    eventIdPrefix: report.eventIdPrefix,
  };
}

export async function runHttpStep(
  ctx: RunContext,
  url: string,
  spec: DriveSpec,
  tag: string,
  onProgress: (progress: Progress | string) => void,
): Promise<StepRun> {
  if (spec.load.kind === 'closed') {
    const report = await runLoad({
      url,
      secrets: [ctx.secret],
      eventTypes: ctx.options.eventTypes,
      fixturesDir: ctx.options.fixturesDir,
      connections: spec.load.connections,
      durationSeconds: spec.durationSeconds,
      timeoutSeconds: REQUEST_TIMEOUT_MS / 1000,
      progress: (line) => onProgress(line.trim()),
    });
    return fromLoadReport(report);
  }
  const client = httpFire({
    url,
    secrets: [ctx.secret],
    templates: ctx.templates,
    tag,
    timeoutMs: REQUEST_TIMEOUT_MS,
    maxSockets: spec.maxInFlight,
  });
  try {
    return { ...(await drive(spec, client.fire, onProgress)), eventIdPrefix: eventIdPrefix(tag) };
  } finally {
    client.close();
  }
}
