import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStarter } from '../temporal/event-starter';
import { EVENT_FAMILIES } from '../osigu/families';
import { STATUS_BY_CODE, type RejectionCode } from './rejection';

/*
 * The receiver's Prometheus metrics. Every label is a bounded enum (an outcome, a status, a
 * status class, a family name): never an event id, an event type, a path or anything from a body,
 * so the series count is fixed and no PHI can reach a scrape.
 *
 * One Registry per receiver, never prom-client's global one, so that several receivers can run in
 * one process (the tests do) without sharing or double-registering counters.
 */

/** What happened to one request on the webhook side: accepted, a duplicate, or the refusal code. */
export type DeliveryOutcome = 'accepted' | 'duplicate' | RejectionCode | 'internal_error';

export type StartResult = 'started' | 'duplicate' | 'failed';

/**
 * Which bound refused a request: body reads in all or from one address (before the body is read),
 * verified deliveries in flight (`requests`), or workflow starts.
 */
export type ShedLimit = 'body_reads' | 'body_reads_per_address' | 'requests' | 'workflow_starts';

const FAMILIES = [...Object.keys(EVENT_FAMILIES), 'other'] as const;
type FamilyLabel = (typeof FAMILIES)[number];

/** From 1 ms to 10 s: a refusal takes about a millisecond; Osigu gives up after 10 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const METRIC_NAMES = {
  deliveries: 'osigu_webhook_deliveries_total',
  acceptedEvents: 'osigu_webhook_accepted_events_total',
  requestDuration: 'osigu_webhook_request_duration_seconds',
  inFlight: 'osigu_webhook_in_flight_requests',
  maxInFlight: 'osigu_webhook_max_in_flight_requests',
  shed: 'osigu_webhook_shed_total',
  startDuration: 'osigu_workflow_start_duration_seconds',
  startsInFlight: 'osigu_workflow_starts_in_flight',
  maxStartsInFlight: 'osigu_workflow_max_starts_in_flight',
  clientErrors: 'osigu_http_client_errors_total',
} as const;

export interface ReceiverMetrics {
  readonly registry: Registry;
  /** Counts one finished request on the webhook side (not /healthz, /readyz, /metrics). */
  recordDelivery(outcome: DeliveryOutcome, status: number, seconds: number, workflowType?: string): void;
  /** Node's own refusals (malformed HTTP, headers too large, timeouts), which never reach the app. */
  recordClientError(status: number): void;
  recordShed(limit: ShedLimit): void;
  /** The in-flight gauges follow these; the limits are exported beside them so alerts can compare. */
  requestStarted(): void;
  requestFinished(): void;
  setLimits(limits: { maxInFlight: number; maxStartsInFlight: number }): void;
  /** Wraps a starter so that each attempt is timed and counted by result. */
  instrumentStarter(starter: EventStarter): EventStarter;
}

export interface ReceiverMetricsOptions {
  /** Node process metrics (memory, CPU, event loop lag, GC); on unless a test turns them off. */
  defaultMetrics?: boolean;
}

export function createReceiverMetrics({ defaultMetrics = true }: ReceiverMetricsOptions = {}): ReceiverMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });

  const deliveries = new Counter({
    name: METRIC_NAMES.deliveries,
    help: 'Requests on the webhook side, by outcome (accepted, duplicate or the refusal code) and HTTP status.',
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  });
  const acceptedEvents = new Counter({
    name: METRIC_NAMES.acceptedEvents,
    help: 'Deliveries answered 200, by event family (authorization, dispensing, prescription, settlement, other) and outcome.',
    labelNames: ['family', 'outcome'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: METRIC_NAMES.requestDuration,
    help: 'Time from the request headers to the answer, for requests on the webhook side, by status class.',
    labelNames: ['status_class'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: METRIC_NAMES.inFlight,
    help: 'Webhook deliveries admitted (body being read, or verified) and not yet answered (bounded by MAX_BODY_READS + MAX_IN_FLIGHT).',
    registers: [registry],
  });
  const maxInFlight = new Gauge({
    name: METRIC_NAMES.maxInFlight,
    help: 'The configured MAX_IN_FLIGHT (verified deliveries at once).',
    registers: [registry],
  });
  const shed = new Counter({
    name: METRIC_NAMES.shed,
    help: 'Deliveries refused with 503 overloaded, by the bound that refused them.',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const startDuration = new Histogram({
    name: METRIC_NAMES.startDuration,
    help: 'Workflow start calls to Temporal, by result (started, duplicate, failed).',
    labelNames: ['result'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const startsInFlight = new Gauge({
    name: METRIC_NAMES.startsInFlight,
    help: 'Workflow start calls in progress (bounded by MAX_CONCURRENT_STARTS).',
    registers: [registry],
  });
  const maxStartsInFlight = new Gauge({
    name: METRIC_NAMES.maxStartsInFlight,
    help: 'The configured MAX_CONCURRENT_STARTS.',
    registers: [registry],
  });
  const clientErrors = new Counter({
    name: METRIC_NAMES.clientErrors,
    help: "Requests Node's HTTP parser refused before the app saw them (400 malformed, 408 timeout, 413, 431 headers too large).",
    labelNames: ['status'] as const,
    registers: [registry],
  });

  // Every series exists from the start at 0, so rate() and absent-series alerts work from the first
  // scrape, and a reader sees every outcome there can be.
  deliveries.inc({ outcome: 'accepted', status: '200' }, 0);
  deliveries.inc({ outcome: 'duplicate', status: '200' }, 0);
  deliveries.inc({ outcome: 'internal_error', status: '500' }, 0);
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) deliveries.inc({ outcome: code, status: String(status) }, 0);
  for (const family of FAMILIES) for (const outcome of ['accepted', 'duplicate']) acceptedEvents.inc({ family, outcome }, 0);
  for (const limit of ['body_reads', 'body_reads_per_address', 'requests', 'workflow_starts'] satisfies ShedLimit[]) shed.inc({ limit }, 0);
  for (const status of ['400', '408', '413', '431']) clientErrors.inc({ status }, 0);
  for (const status_class of ['2xx', '4xx', '5xx']) requestDuration.zero({ status_class });
  for (const result of ['started', 'duplicate', 'failed'] satisfies StartResult[]) startDuration.zero({ result });

  return {
    registry,
    recordDelivery(outcome, status, seconds, workflowType) {
      deliveries.inc({ outcome, status: String(status) });
      requestDuration.observe({ status_class: statusClass(status) }, seconds);
      if (outcome === 'accepted' || outcome === 'duplicate') acceptedEvents.inc({ family: familyOf(workflowType), outcome });
    },
    recordClientError(status) {
      clientErrors.inc({ status: String(status) });
    },
    recordShed(limit) {
      shed.inc({ limit });
    },
    requestStarted() {
      inFlight.inc();
    },
    requestFinished() {
      inFlight.dec();
    },
    setLimits(limits) {
      maxInFlight.set(limits.maxInFlight);
      maxStartsInFlight.set(limits.maxStartsInFlight);
    },
    instrumentStarter(starter) {
      return async (event, route, receivedAt) => {
        const end = startDuration.startTimer();
        startsInFlight.inc();
        let result: StartResult = 'failed';
        try {
          const outcome = await starter(event, route, receivedAt);
          result = outcome.duplicate ? 'duplicate' : 'started';
          return outcome;
        } finally {
          startsInFlight.dec();
          end({ result });
        }
      };
    },
  };
}

/** '2xx', '4xx', '5xx': five series at most, whatever the status. */
function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

const FAMILY_BY_WORKFLOW_TYPE = new Map<string, FamilyLabel>(
  Object.values(EVENT_FAMILIES).map((family) => [family.workflowType, family.name]),
);

/** The family of a routed event; the generic workflow (an unknown event type) is 'other'. */
function familyOf(workflowType: string | undefined): FamilyLabel {
  return (workflowType === undefined ? undefined : FAMILY_BY_WORKFLOW_TYPE.get(workflowType)) ?? 'other';
}
