import getRawBody from 'raw-body';
import type { Context, Middleware } from 'koa';
import type { EventStarter } from '../temporal/event-starter';
import { routeEvent } from '../temporal/routing';
import { parseEnvelope } from '../osigu/envelope';
import { Rejection } from './rejection';
import { verifySignature } from '../osigu/signature';

export interface WebhookOptions {
  secrets: readonly string[];
  toleranceSeconds: number;
  bodyLimitBytes: number;
  now: () => Date;
  startEvent: EventStarter;
}

/** What the access log line reports about a delivery: ids, types, sizes and decisions only. */
export interface DeliveryFacts {
  bytes?: number;
  eventId?: string;
  eventType?: string;
  workflowType?: string;
  duplicate?: boolean;
  secretIndex?: number;
}

export interface WebhookState {
  delivery: DeliveryFacts;
}

/**
 * The POST handler: each check in order, cheapest first, each with its own status. Nothing is
 * parsed before the signature has been verified over the exact bytes received.
 */
export function webhookHandler(options: WebhookOptions): Middleware<WebhookState> {
  return async (ctx) => {
    const facts: DeliveryFacts = {};
    ctx.state.delivery = facts;

    const body = await readBody(ctx, options.bodyLimitBytes);
    facts.bytes = body.length;

    const signature = verifySignature(ctx.req.headersDistinct['x-osigu-signature'], body, {
      secrets: options.secrets,
      toleranceSeconds: options.toleranceSeconds,
      now: options.now(),
    });
    if (!signature.ok) throw new Rejection(signature.code, signature.detail);
    facts.secretIndex = signature.secretIndex;

    const envelope = parseEnvelope(body);
    if (!envelope.ok) throw new Rejection(envelope.code, envelope.detail);
    const { event } = envelope;
    facts.eventId = event.event_id;
    facts.eventType = event.event_type;

    const route = routeEvent(event);
    facts.workflowType = route.workflowType;

    let outcome;
    try {
      outcome = await options.startEvent(event, route, options.now());
    } catch (error) {
      // Refused before reaching Temporal (load shedding): answered as it is.
      if (error instanceof Rejection) throw error;
      // The start may still have reached Temporal; a 503 is safe either way, because the retry
      // Osigu sends will find the workflow and be answered as a duplicate.
      throw new Rejection('temporal_unavailable', describeStartFailure(error));
    }
    facts.duplicate = outcome.duplicate;

    ctx.status = 200;
    ctx.body = { received: true, event_id: event.event_id, duplicate: outcome.duplicate };
  };
}

async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  // The signature covers the bytes as sent; decompressing first would verify something else.
  if (encoding !== '' && encoding !== 'identity') {
    throw new Rejection('unsupported_encoding', `content-encoding ${encoding.slice(0, 32)}`);
  }
  const declared = ctx.get('content-length');
  try {
    // No `encoding` option: the signature is over bytes, and decoding belongs after it.
    return await getRawBody(ctx.req, { limit, length: declared === '' ? null : declared });
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') {
      // Closing is cheaper than draining a body we have already refused.
      ctx.set('Connection', 'close');
      throw new Rejection('body_too_large', `body over ${limit} bytes (declared ${declared || 'unknown'})`);
    }
    if (type === 'request.aborted' || type === 'request.size.invalid') {
      throw new Rejection('body_incomplete', String(type));
    }
    throw error;
  }
}

function describeStartFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'workflow start failed';
  const code = (error as { code?: unknown }).code;
  // gRPC status codes and error names only: messages can echo request fields.
  return `workflow start failed: ${error.name}${typeof code === 'number' ? ` (grpc code ${code})` : ''}`;
}
