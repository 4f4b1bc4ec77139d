// The delivery's span: the root of the trace that the workflow start, the workflows and their
// activities continue (Temporal's interceptors carry it in headers). Attributes are what the access
// log carries: ids and types that match their grammar, the status and the refusal code.
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import { EVENT_TYPE_GRAMMAR } from '../osigu/ids';
import { Rejection } from './rejection';
import type { WebhookState } from './webhook';

// Attributes are exported in clear: only values shaped like ids and event types, never a body field.
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function traceDelivery(tracer: Tracer | undefined): Middleware<WebhookState> {
  if (tracer === undefined) return (_ctx, next) => next();
  return (ctx, next) =>
    tracer.startActiveSpan(
      'osigu.webhook.delivery',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method } },
      async (span) => {
        let status: number | undefined;
        try {
          await next();
          status = ctx.status;
        } catch (error) {
          status = error instanceof Rejection ? error.status : 500;
          span.setAttribute('osigu.refusal', error instanceof Rejection ? error.code : 'internal_error');
          throw error;
        } finally {
          const facts = ctx.state.delivery;
          if (facts?.eventId !== undefined && SAFE_ID.test(facts.eventId)) span.setAttribute('osigu.event_id', facts.eventId);
          if (facts?.eventType !== undefined && EVENT_TYPE_GRAMMAR.test(facts.eventType))
            span.setAttribute('osigu.event_type', facts.eventType);
          if (facts?.workflowType !== undefined) span.setAttribute('osigu.workflow_type', facts.workflowType);
          if (facts?.duplicate !== undefined) span.setAttribute('osigu.duplicate', facts.duplicate);
          span.setAttribute('http.response.status_code', status ?? 500);
          if ((status ?? 500) >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    );
}
