// Where tracing plugs into Temporal: the client (starts, signals and updates carry the caller's span
// in their headers) and the worker (workflow and activity spans, linked through those headers).
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './tracing';

export function clientTracingInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing === undefined ? undefined : { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] };
}

/** Bundled into the workflow code of a traced worker (src/workflow-code.ts). */
export const TRACING_WORKFLOW_INTERCEPTORS = require.resolve('../workflows/tracing-interceptors');

/** The worker's half of tracing; the workflows' half is in their bundle (TRACING_WORKFLOW_INTERCEPTORS). */
export function workerTracingOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (tracing === undefined) return {};
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
