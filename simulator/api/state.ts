import type { OsiguEvent } from '../../src/osigu/envelope';
import { EVENT_EFFECTS, type OsiguTables } from './event-effects';
import { ResourceTable, type Resource } from './resource-table';

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

export type StateEvent = Pick<OsiguEvent, 'event_id' | 'event_type' | 'created_at' | 'data'>;

/** Records as the API serves them; each needs its id field (`dispensation_id`, …). */
export interface StateSeed {
  authorizationRequests?: readonly Resource[];
  authorizations?: readonly Resource[];
  dispensations?: readonly Resource[];
  prescriptions?: readonly Resource[];
  settlements?: readonly Resource[];
}

/**
 * What the stand-in API knows, built from the events it has sent (or been told about), so that a
 * workflow that receives an event and calls back reads a consistent resource.
 */
export class OsiguState implements OsiguTables {
  readonly authorizationRequests = new ResourceTable('authorization_request_id');
  readonly authorizations = new ResourceTable('authorization_id');
  readonly dispensations = new ResourceTable('dispensation_id');
  readonly prescriptions = new ResourceTable('prescription_id');
  readonly settlements = new ResourceTable('settlement_id');
  private readonly applied = new Set<string>();

  /** Idempotent per `event_id`, as a receiver must be: a redelivery changes nothing. */
  apply(event: StateEvent): ApplyOutcome {
    if (this.applied.has(event.event_id)) return 'duplicate';
    const effect = EVENT_EFFECTS[event.event_type];
    const atMs = Date.parse(event.created_at);
    if (effect === undefined || Number.isNaN(atMs) || !effect(this, event.data, atMs)) return 'ignored';
    this.applied.add(event.event_id);
    return 'applied';
  }

  seed(seed: StateSeed): void {
    for (const record of seed.authorizationRequests ?? []) this.authorizationRequests.put(record);
    for (const record of seed.authorizations ?? []) this.authorizations.put(record);
    for (const record of seed.dispensations ?? []) this.dispensations.put(record);
    for (const record of seed.prescriptions ?? []) this.prescriptions.put(record);
    for (const record of seed.settlements ?? []) this.settlements.put(record);
  }

  /** The request with its authorizations, as `GET /arc/v1/authorization-requests/{id}` answers. */
  authorizationRequest(id: string): Resource | undefined {
    const request = this.authorizationRequests.get(id);
    if (request === undefined) return undefined;
    return { ...request, authorizations: this.authorizations.where('authorization_request_id', id) };
  }

  dispensation(id: string): Resource | undefined {
    return this.dispensations.get(id);
  }

  prescription(id: string): Resource | undefined {
    return this.prescriptions.get(id);
  }

  settlement(id: string): Resource | undefined {
    return this.settlements.get(id);
  }

  clear(): void {
    for (const table of [this.authorizationRequests, this.authorizations, this.dispensations, this.prescriptions, this.settlements]) {
      table.clear();
    }
    this.applied.clear();
  }
}
