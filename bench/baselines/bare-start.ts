/**
 * Baseline 5: the receiver's workflow start without HTTP, the most Temporal allows it. The same
 * settings (loadReceiverConfig and Temporal's env conventions), the same lazy client
 * (createTemporalClient), the same start (createEventStarter: id = event_id, the id policies, the
 * typed search attributes, the deadline) and the same routing, called by the bench's pacer in
 * this process instead of by a request.
 *
 * A child of bench/run.ts, so its CPU and memory are measured like a receiver's. Protocol, one JSON
 * object per line: it prints {"type":"ready"} once Temporal answers; each {"type":"step", spec,
 * tag, templates} on stdin gets {"type":"progress"} lines, then {"type":"result", result}.
 */
import { createInterface } from 'node:readline';
import { loadReceiverConfig } from '../../src/config';
import { createTemporalClient } from '../../src/temporal/client';
import { loadTemporalConnectConfig } from '../../src/temporal/connection-config';
import { createEventStarter } from '../../src/temporal/event-starter';
import { routeEvent } from '../../src/temporal/routing';
import { makeEvent, type EventTemplate } from '../load/events';
import { drive, type DriveSpec, type Fire } from '../load/pacer';

interface StepMessage {
  type: 'step';
  spec: DriveSpec;
  tag: string;
  templates: EventTemplate[];
}

function send(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** An error as a short stable key: its name and gRPC code, never its message. */
function errorKey(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? `${error.name} (grpc ${code})` : error.name;
}

async function main(): Promise<void> {
  const config = loadReceiverConfig();
  const temporal = createTemporalClient(loadTemporalConnectConfig());
  const start = createEventStarter({
    client: temporal.client,
    taskQueue: config.taskQueue,
    timeoutMs: config.startTimeoutMs,
    expectedEnvironment: config.osiguEnvironment,
  });
  while (!(await temporal.isReachable())) await new Promise((resolve) => setTimeout(resolve, 250));
  send({ type: 'ready' });

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const message = JSON.parse(line) as StepMessage;
    const fire: Fire = async (n) => {
      const { eventId, event } = makeEvent(message.templates, message.tag, n);
      try {
        const outcome = await start(event, routeEvent(event), new Date());
        return { key: outcome.duplicate ? 'duplicate' : 'started', acknowledged: true, answered: true, eventId };
      } catch (error) {
        return { key: errorKey(error), acknowledged: false, answered: true, eventId };
      }
    };
    const result = await drive(message.spec, fire, (progress) => send({ type: 'progress', progress }));
    send({ type: 'result', result });
  }
  await temporal.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`bare-start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
