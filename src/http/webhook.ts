import getRawBody from 'raw-body';
import type { Context, Middleware } from 'koa';
import type { EventStarter } from '../temporal/event-starter';
import { routeEvent } from '../temporal/routing';
import { parseEnvelope } from '../osigu/envelope';
import { HASHED_ID_PREFIX, matchesIdGrammar } from '../osigu/ids';
import { checkSignatureHeader, verifySignature } from '../osigu/signature';
import { clientAddress, type TrustedProxies } from './client-address';
import type { AddressShare, ConcurrencyLimit } from './load-shedding';
import type { ReceiverMetrics } from './metrics';
import { Rejection } from './rejection';

export interface WebhookOptions {
  secrets: readonly string[];
  toleranceSeconds: number;
  bodyLimitBytes: number;
  now: () => Date;
  startEvent: EventStarter;
  /** The event id as the log may show it (the starter's workflow id); without it, ids outside the grammar are withheld. */
  eventKey?: (eventId: string) => string;
}

const withheld = (eventId: string): string => (matchesIdGrammar(eventId) ? eventId : `${HASHED_ID_PREFIX}withheld`);

/** The admission bounds the handler takes and gives back (see load-shedding.ts). */
export interface Admission {
  bodyReads: AddressShare;
  verified: ConcurrencyLimit;
  /** Deadline for the body once the headers are in. */
  bodyTimeoutMs: number;
  trustedProxies: TrustedProxies | undefined;
  metrics: ReceiverMetrics;
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
 * The POST handler: each check in order, cheapest first, each with its own status. What can be
 * refused from the headers alone (the signature header, its timestamp, the encoding, a full
 * share) is refused before a byte of the body is read, and the connection is closed with the
 * answer so that Node does not read a body nobody wants. Nothing is parsed before the signature
 * has been verified over the exact bytes received.
 */
export function webhookHandler(options: WebhookOptions, admission: Admission): Middleware<WebhookState> {
  const { metrics } = admission;
  return async (ctx) => {
    const facts: DeliveryFacts = {};
    ctx.state.delivery = facts;
    const header = ctx.req.headersDistinct['x-osigu-signature'];

    const early = checkSignatureHeader(header, { toleranceSeconds: options.toleranceSeconds, now: options.now() });
    if (!early.ok) throw closing(ctx, new Rejection(early.code, early.detail));
    checkEncoding(ctx);

    const address = clientAddress(ctx.req.socket.remoteAddress, ctx.req.headersDistinct['x-forwarded-for'], admission.trustedProxies);
    const releaseRead = admission.bodyReads.tryAcquire(address);
    if (typeof releaseRead !== 'function') {
      metrics.recordShed(releaseRead.refused === 'address' ? 'body_reads_per_address' : 'body_reads');
      const what = releaseRead.refused === 'address' ? 'from this address' : 'in all';
      throw closing(ctx, new Rejection('overloaded', `${releaseRead.active} bodies being read ${what}, limit ${releaseRead.max}`));
    }
    metrics.requestStarted();
    try {
      let body: Buffer;
      try {
        // Asked for with Expect: 100-continue, the body is only invited once it has a slot.
        if (/^\s*100-continue\s*$/i.test(ctx.get('expect'))) ctx.res.writeContinue();
        body = await readBody(ctx, options.bodyLimitBytes, admission.bodyTimeoutMs);
      } finally {
        releaseRead();
      }
      facts.bytes = body.length;

      const signature = verifySignature(header, body, {
        secrets: options.secrets,
        toleranceSeconds: options.toleranceSeconds,
        now: options.now(),
      });
      if (!signature.ok) throw new Rejection(signature.code, signature.detail);
      facts.secretIndex = signature.secretIndex;

      const releaseVerified = admission.verified.tryAcquire();
      if (releaseVerified === undefined) {
        metrics.recordShed('requests');
        throw new Rejection('overloaded', `${admission.verified.active} verified deliveries in flight, limit ${admission.verified.max}`);
      }
      try {
        await handleVerified(ctx, body, options, facts);
      } finally {
        releaseVerified();
      }
    } finally {
      metrics.requestFinished();
    }
  };
}

async function handleVerified(ctx: Context, body: Buffer, options: WebhookOptions, facts: DeliveryFacts): Promise<void> {
  const envelope = parseEnvelope(body);
  if (!envelope.ok) throw new Rejection(envelope.code, envelope.detail);
  const { event } = envelope;
  facts.eventId = (options.eventKey ?? withheld)(event.event_id);
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
}

/** Closing is cheaper than draining a body we have already refused. */
function closing(ctx: Context, rejection: Rejection): Rejection {
  ctx.set('Connection', 'close');
  return rejection;
}

function checkEncoding(ctx: Context): void {
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  // The signature covers the bytes as sent; decompressing first would verify something else.
  if (encoding !== '' && encoding !== 'identity') {
    // The header's content is the caller's: the log gets its length only.
    throw closing(ctx, new Rejection('unsupported_encoding', `content-encoding of ${encoding.length} characters`));
  }
}

async function readBody(ctx: Context, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = ctx.get('content-length');
  let timer: NodeJS.Timeout | undefined;
  // A body still arriving after the deadline is a slow client holding a slot: cut it off.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(closing(ctx, new Rejection('body_timeout', `body not complete after ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    // No `encoding` option: the signature is over bytes, and decoding belongs after it.
    return await Promise.race([getRawBody(ctx.req, { limit, length: declared === '' ? null : declared }), deadline]);
  } catch (error) {
    if (error instanceof Rejection) throw error;
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') {
      throw closing(ctx, new Rejection('body_too_large', `body over ${limit} bytes (declared ${declared || 'unknown'})`));
    }
    if (type === 'request.aborted' || type === 'request.size.invalid') {
      throw new Rejection('body_incomplete', String(type));
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function describeStartFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'workflow start failed';
  const code = (error as { code?: unknown }).code;
  // gRPC status codes and error names only: messages can echo request fields.
  return `workflow start failed: ${error.name}${typeof code === 'number' ? ` (grpc code ${code})` : ''}`;
}
