import type { AppliedEvent } from '../../src/domain/applied-event';
import { DEFAULT_ENTITY_SETTINGS, type EntitySettings } from '../../src/domain/settings';

/** Real durations: 24 h escalation, 2 h staleness, 1 h prescription outcome, 30 d quiet period. */
export const SETTINGS: EntitySettings = DEFAULT_ENTITY_SETTINGS;

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** An injected clock: the decisions read only `now`. */
export const T0 = Date.parse('2026-11-25T16:00:00Z');

export const event = (
  eventType: string,
  createdAt: string,
  data: Record<string, unknown>,
  eventId = `evt_${eventType}_${createdAt}`,
): AppliedEvent => ({ eventId, eventType, createdAt, data });
