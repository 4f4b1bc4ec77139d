import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type QueryDefinition,
} from '@temporalio/workflow';
import { byCreatedAt, type AppliedEvent } from '../domain/applied-event';
import type { Deadline, Decision, DecisionInput, WorkOutcome } from '../domain/entity-decision';
import type { Notification, NotificationRecord } from '../domain/notification';
import { project, withoutSuperseded, type Projection } from '../domain/projection';
import type { EntitySettings } from '../domain/settings';
import { OSIGU_FLAGS, OSIGU_STATE } from '../temporal/search-attributes';
import { applyEventUpdate, osiguEventSignal, type ApplyEventResult } from './messages';
import { NOTIFICATION_ATTEMPT_TIMEOUT, ProviderNotifications } from './provider-notifier';
import type { CommonView } from './views';

/** What an entity carries into its next run: at continue-as-new, and in its result once it ends. */
export interface CarriedMemory<Facts> {
  /**
   * Applied events, projected to the fields the decisions read (never the events' full data), and
   * without those a later event of their type overwrites entirely (src/domain/projection.ts).
   */
  events: AppliedEvent[];
  /** Every event id applied, for deduplication for the resource's whole life. */
  appliedIds: string[];
  facts: Facts;
  notifications: NotificationRecord[];
  /** Notifications still in flight: the next run sends them again under the same id. */
  outbox: Notification[];
  lastActivityAt: number;
  poisoned: { eventId: string; eventType: string }[];
  /** Re-runs of already-applied events (ops rerun) that were recorded and ignored. */
  reruns?: { ignored: number; lastEventId: string | undefined };
  /** Flags about the entity's own life (e.g. memory_not_carried), kept until it ends for good. */
  flags: string[];
}

export interface EntityInput<Facts> {
  resourceId: string;
  settings: EntitySettings;
  memory?: CarriedMemory<Facts>;
  /** Raised by whoever started this run (e.g. memory_not_carried). */
  flags?: string[];
}

/** An ended entity's result: its view, and the memory a later event's run continues from. */
export type EntityResult<View, Facts> = View & { memory: CarriedMemory<Facts> };

/** One entity kind, as the runner drives it: a pure decision function and the I/O it asks for. */
export interface EntityKind<Facts, Work extends { key: string }, State, View> {
  resourceType: Notification['resource']['type'];
  workflowId: (resourceId: string) => string;
  projection: Projection;
  stateQuery: QueryDefinition<View>;
  initialFacts(): Facts;
  decide(input: DecisionInput<Facts>): Decision<Facts, Work, State>;
  /** Runs one piece of work the decision asked for (activities, signals); its outcome is fed back. */
  perform?: (work: Work, events: readonly AppliedEvent[]) => Promise<unknown>;
  workDone?: (facts: Facts, work: Work, outcome: WorkOutcome<unknown>, now: number) => { facts: Facts; events?: AppliedEvent[] };
  view(decision: Decision<Facts, Work, State>, common: CommonView): View;
  /** Extra words for the Web UI's current details (rule names, never PHI). */
  details?: (decision: Decision<Facts, Work, State>) => string[];
}

/** What a kind's own handlers (registered in `handlers`) can do with the running entity. */
export interface RunningEntity<Facts, Work extends { key: string }, State, View> {
  current(): Decision<Facts, Work, State>;
  view(): View;
  /** Changes the facts (an operator's decision, a push from another entity) and acts on it now. */
  change(update: (facts: Facts, now: number) => Facts): Decision<Facts, Work, State>;
}

/** The failure's type name only: messages may carry more than ids. */
function failureTypeOf(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && cause.type) return cause.type;
  return cause instanceof Error ? cause.name : 'unknown';
}

function insertSorted(events: readonly AppliedEvent[], event: AppliedEvent): AppliedEvent[] {
  return withoutSuperseded([...events, event].sort(byCreatedAt));
}

/**
 * The one lifecycle every entity kind shares. Events (and updates, pushes, lookups, timers) are
 * applied the moment they arrive, in their handler, so every answer (a registration, a state
 * query) reflects everything received so far. After each change the kind's pure decision runs,
 * and the runner acts on it: notifications once per id, work once per key while asked for, one
 * timer per deadline (kept while it stands; one that fires early just re-arms), search
 * attributes when they change. No activity outcome fails the workflow. Before continuing as new
 * or ending, every handler finishes; an event arriving while an ending entity waits for its
 * notifications is applied and postpones the end.
 */
export async function runEntity<Facts, Work extends { key: string }, State, View>(
  kind: EntityKind<Facts, Work, State, View>,
  input: EntityInput<Facts>,
  handlers?: (entity: RunningEntity<Facts, Work, State, View>) => void,
): Promise<EntityResult<View, Facts>> {
  const { resourceId } = input;
  const carried = input.memory;
  const entityWorkflowId = kind.workflowId(resourceId);
  let settings = input.settings;
  let events: AppliedEvent[] = withoutSuperseded([...(carried?.events ?? [])].sort(byCreatedAt));
  const appliedIds: string[] = [...(carried?.appliedIds ?? events.map((event) => event.eventId))];
  const seen = new Set(appliedIds);
  const remember = (eventId: string): void => {
    seen.add(eventId);
    appliedIds.push(eventId);
  };
  let facts: Facts = carried?.facts ?? kind.initialFacts();
  let lastActivityAt = carried?.lastActivityAt ?? Date.now();
  let poisoned = [...(carried?.poisoned ?? [])];
  const reruns = { ignored: carried?.reruns?.ignored ?? 0, lastEventId: carried?.reruns?.lastEventId };
  const lifeFlags = [...new Set([...(carried?.flags ?? []), ...(input.flags ?? [])])];
  const notifications = new ProviderNotifications(carried?.notifications ?? [], carried?.outbox ?? [], {
    type: kind.resourceType,
    id: resourceId,
  });
  const inFlight = new Set<string>();
  const armed = new Map<string, number>();
  let decisionFailed = false;
  let published: string | undefined;

  const decideWith = (nextEvents: readonly AppliedEvent[], nextFacts: Facts): Decision<Facts, Work, State> =>
    kind.decide({ resourceId, events: nextEvents, facts: nextFacts, now: Date.now(), settings });
  let decision: Decision<Facts, Work, State>;
  try {
    decision = decideWith(events, facts);
  } catch (error) {
    // Memory no decision can read: start the facts afresh (the events stay), flagged for a person.
    decisionFailed = true;
    log.error('entity decision failed on carried memory', { entityWorkflowId, error: error instanceof Error ? error.name : 'unknown' });
    facts = kind.initialFacts();
    decision = decideWith([], facts);
  }

  const flags = (): string[] => [
    ...decision.flags,
    ...(notifications.undelivered ? ['notification_undelivered'] : []),
    ...(poisoned.length > 0 ? ['poison_event'] : []),
    ...(decisionFailed ? ['decision_failed'] : []),
    ...lifeFlags,
  ];
  const view = (): View =>
    kind.view(decision, {
      flags: flags(),
      notifications: notifications.records,
      eventIds: [...appliedIds],
      poisoned,
      reruns: { ...reruns },
    });
  const carry = (): CarriedMemory<Facts> => ({
    events,
    appliedIds: [...appliedIds],
    facts,
    notifications: [...notifications.records],
    outbox: notifications.outbox,
    lastActivityAt,
    poisoned,
    reruns: { ...reruns },
    flags: lifeFlags,
  });

  let detailed: string | undefined;
  const publish = (): void => {
    // The Web UI's current details (answered by query, no command): statuses, flags and rule names only.
    const details = [decision.status, ...flags(), ...(kind.details?.(decision) ?? [])].join(' · ');
    if (details !== detailed) {
      detailed = details;
      setCurrentDetails(details);
    }
    const next = JSON.stringify([decision.status, flags()]);
    if (next === published) return;
    published = next;
    upsertSearchAttributes([
      { key: OSIGU_STATE, value: decision.status },
      { key: OSIGU_FLAGS, value: flags() },
    ]);
  };

  const arm = (deadlines: readonly Deadline[]): void => {
    const now = Date.now();
    const all = decision.final ? [...deadlines, { name: 'end_of_life', at: lastActivityAt + settings.quietPeriodMs }] : deadlines;
    for (const deadline of all) {
      // What is due now was acted on by the decision itself; the main loop watches the end.
      if (deadline.at <= now) continue;
      const current = armed.get(deadline.name);
      // A timer that fires no later than needed stays: if the deadline moved on, it re-arms then.
      if (current !== undefined && current <= deadline.at && current > now) continue;
      armed.set(deadline.name, deadline.at);
      void sleep(deadline.at - now, { summary: deadline.name }).then(() => {
        if (armed.get(deadline.name) === deadline.at) armed.delete(deadline.name);
        step();
      });
    }
  };

  const startWork = (work: Work): void => {
    if (kind.perform === undefined) return;
    inFlight.add(work.key);
    void kind
      .perform(work, events)
      .then(
        (result): WorkOutcome<unknown> => ({ ok: true, result }),
        (error: unknown): WorkOutcome<unknown> => ({ ok: false, failureType: failureTypeOf(error) }),
      )
      .then((outcome) => {
        inFlight.delete(work.key);
        if (!outcome.ok)
          log.warn('entity work failed', { entityWorkflowId, work: work.key.split(':')[0], failureType: outcome.failureType });
        const done = kind.workDone?.(facts, work, outcome, Date.now());
        if (done !== undefined) {
          facts = done.facts;
          for (const event of done.events ?? []) {
            if (seen.has(event.eventId)) continue;
            remember(event.eventId);
            events = insertSorted(events, project(event, kind.projection));
          }
        }
        step();
      });
  };

  /** Acts on a decision: the only place effects happen. */
  const commit = (next: Decision<Facts, Work, State>): void => {
    decision = next;
    facts = next.facts;
    for (const intent of next.notifications) notifications.notify(intent.kind, intent.key, intent.details);
    for (const work of next.work) if (!inFlight.has(work.key)) startWork(work);
    arm(next.deadlines);
    publish();
  };

  /** Decides again on what is known now; a decision that throws leaves the entity as it was, flagged. */
  const step = (): void => {
    try {
      const next = decideWith(events, facts);
      decisionFailed = false;
      commit(next);
    } catch (error) {
      decisionFailed = true;
      log.error('entity decision failed', { entityWorkflowId, error: error instanceof Error ? error.name : 'unknown' });
      publish();
    }
  };

  const apply = (event: AppliedEvent, latest: EntitySettings | undefined): ApplyEventResult => {
    if (latest !== undefined) settings = latest;
    if (seen.has(event.eventId)) {
      if (event.rerun === true) {
        reruns.ignored += 1;
        reruns.lastEventId = event.eventId;
      }
      return { outcome: 'duplicate', entityWorkflowId };
    }
    let next: Decision<Facts, Work, State>;
    let nextEvents: AppliedEvent[];
    try {
      nextEvents = insertSorted(events, project(event, kind.projection));
      next = decideWith(nextEvents, facts);
    } catch (error) {
      // One event that cannot be applied is parked; the entity and its other events go on.
      if (!poisoned.some((entry) => entry.eventId === event.eventId))
        poisoned = [...poisoned, { eventId: event.eventId, eventType: event.eventType }];
      log.error('event could not be applied', {
        entityWorkflowId,
        eventId: event.eventId,
        eventType: event.eventType,
        error: error instanceof Error ? error.name : 'unknown',
      });
      publish();
      return { outcome: 'apply_failed', entityWorkflowId };
    }
    events = nextEvents;
    remember(event.eventId);
    poisoned = poisoned.filter((entry) => entry.eventId !== event.eventId);
    lastActivityAt = Date.now();
    commit(next);
    return { outcome: 'applied', entityWorkflowId };
  };

  setHandler(applyEventUpdate, (event, latest) => apply(event, latest));
  setHandler(osiguEventSignal, (event, latest) => {
    apply(event, latest);
  });
  setHandler(kind.stateQuery, view);
  handlers?.({
    current: () => decision,
    view,
    change: (update) => {
      facts = update(facts, Date.now());
      lastActivityAt = Date.now();
      step();
      return decision;
    },
  });

  commit(decision);
  const historyLarge = (): boolean => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= settings.maxHistoryEvents;
  const endDue = (): boolean => decision.final && inFlight.size === 0 && Date.now() >= lastActivityAt + settings.quietPeriodMs;

  for (;;) {
    await condition(() => historyLarge() || endDue());
    if (historyLarge()) {
      // Every handler has finished, so nothing received is left behind; work in flight is asked
      // for again by the next run's first decision. Notifications in flight get a moment to land
      // (one delivery attempt's timeout): those still out after it are carried and sent again
      // under the same id, which a provider that is up would otherwise receive twice.
      await condition(() => notifications.settled, NOTIFICATION_ATTEMPT_TIMEOUT);
      await condition(allHandlersFinished);
      await continueAsNew<(next: EntityInput<Facts>) => Promise<EntityResult<View, Facts>>>({ resourceId, settings, memory: carry() });
    }
    // Let the last notifications land; whatever arrives meanwhile is applied and may postpone the end.
    await condition(() => notifications.settled || !endDue() || historyLarge());
    if (!endDue() || !notifications.settled) continue;
    await condition(allHandlersFinished);
    if (endDue()) return { ...view(), memory: carry() };
  }
}
