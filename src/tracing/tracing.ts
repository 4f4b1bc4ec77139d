// OpenTelemetry tracing: one trace from Osigu's HTTP delivery, through the workflow start, into the
// event workflow, its hand-off activity, the entity and the entity's activities. Off unless an OTLP
// endpoint is configured with OpenTelemetry's own variables (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true turns it off again), so the default
// install exports nothing and pays nothing. Spans carry ids, types and statuses only: Temporal's
// interceptors add workflow, run and activity ids, ours event ids and types; never a payload.
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Env } from '../config';

export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Flushes what is buffered and stops exporting (on process shutdown). */
  shutdown(): Promise<void>;
}

function tracesEndpoint(env: Env): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces !== undefined && traces !== '') return traces;
  return `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim().replace(/\/+$/, '')}/v1/traces`;
}

export function tracingEnabled(env: Env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  return (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim() !== '';
}

/**
 * Registers a global tracer provider exporting over OTLP/HTTP when configured; undefined (and
 * nothing registered) otherwise. `service` names the process: osigu-receiver or osigu-worker
 * (OTEL_SERVICE_NAME overrides it, as OpenTelemetry's convention says).
 */
export function startTracing(service: string, env: Env = process.env): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || service });
  // The endpoint as OpenTelemetry's convention builds it; headers and timeouts the exporter reads
  // from OTEL_EXPORTER_OTLP_* itself.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesEndpoint(env) }), { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Registers the AsyncLocalStorage context manager too: the delivery's span is the parent of the
  // workflow start made further down the same request.
  provider.register();
  return {
    tracer: trace.getTracer('osigu-webhooks'),
    resource,
    spanProcessor,
    async shutdown() {
      await provider.shutdown();
    },
  };
}
