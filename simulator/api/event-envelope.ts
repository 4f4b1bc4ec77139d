import type { OsiguEvent } from '../../src/osigu/envelope';
import { newId } from './ids';

export interface EventOrigin {
  environment: string;
  provider: Record<string, unknown>;
}

export const API_VERSION = '2026-01-01';

/** The fixtures' provider, so emitted events tell the same story as shared/osigu/events. */
export const DEFAULT_ORIGIN: EventOrigin = {
  environment: 'sandbox',
  provider: { provider_id: 'prv_01J9Z8Y7X6W5V4T3S2R1Q0P9N8', provider_slug: 'clinic-example' },
};

/** A new event in Osigu's envelope (shared/osigu/README.md, "Envelope"). */
export function osiguEvent(eventType: string, data: Record<string, unknown>, origin: EventOrigin, nowMs: number): OsiguEvent {
  return {
    event_id: newId('evt', nowMs),
    event_type: eventType,
    created_at: new Date(nowMs).toISOString(),
    api_version: API_VERSION,
    environment: origin.environment,
    data,
    provider: { ...origin.provider },
  };
}
