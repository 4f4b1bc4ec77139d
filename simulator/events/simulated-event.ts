import type { EventType } from './event-types';
import { seededId } from './ids';
import type { Random } from './random';
import { isoMillis } from './story-clock';

export interface Provider {
  provider_id: string;
  provider_slug: string;
}

/** An event as Osigu sends it: the envelope of shared/osigu/README.md around a family's `data`. */
export interface SimulatedEvent {
  event_id: string;
  event_type: EventType;
  created_at: string;
  api_version: string;
  environment: string;
  data: Record<string, unknown>;
  provider: Provider;
}

export interface EnvelopeOptions {
  /** `sandbox` unless told otherwise, as on Osigu's sandbox. */
  environment?: string;
  apiVersion?: string;
  /** The clinic receiving the events; one receiver is one provider. */
  provider?: Provider;
}

/** The provider of the shared fixtures, so generated and fixture events describe the same clinic. */
export const DEFAULT_PROVIDER: Provider = { provider_id: 'prv_01J9Z8Y7X6W5V4T3S2R1Q0P9N8', provider_slug: 'clinic-example' };
export const DEFAULT_API_VERSION = '2026-01-01';

export function envelope(
  random: Random,
  type: EventType,
  at: number,
  data: Record<string, unknown>,
  options: EnvelopeOptions = {},
): SimulatedEvent {
  return {
    event_id: seededId(random, 'event', at),
    event_type: type,
    created_at: isoMillis(at),
    api_version: options.apiVersion ?? DEFAULT_API_VERSION,
    environment: options.environment ?? 'sandbox',
    data,
    provider: options.provider ?? DEFAULT_PROVIDER,
  };
}
