import type { Client } from '@temporalio/client';
import { EVENT_FAMILIES } from '../osigu/families';
import { mapLimit } from './concurrency';
import { DEFAULT_QUERY_TIMEOUT_MS, queryEntityState } from './entity-state';
import { discrepancyOpenedAt, summarizeEntity, type DiscrepancySummary } from './summaries';

/**
 * Visibility's answer to "which dispensations wait for a person". Visibility is eventually
 * consistent (a second or so behind on a healthy cluster), so every hit is checked against the
 * entity's own state before it is reported.
 */
export const OPEN_DISCREPANCY_QUERY = `OsiguFlags = 'discrepancy' AND ExecutionStatus = 'Running' AND WorkflowType = '${EVENT_FAMILIES.dispensing.entityWorkflowType}'`;

export interface OpenDiscrepancy {
  dispensationId: string;
  workflowId: string;
  status: string;
  rules: string[];
  discrepancies: DiscrepancySummary[];
  totalAmount: number | null;
  currencyCode: string | null;
  authorizationId: string | null;
  openedAt: string | null;
  escalations: number;
}

export interface DiscrepancyListing {
  open: OpenDiscrepancy[];
  /** Listed by visibility, but the entity says otherwise (resolved a moment ago): not reported as open. */
  noLongerOpen: string[];
  /** Listed, but the state query failed (no worker polling, say): the operator should look again. */
  unavailable: { workflowId: string; reason: string }[];
}

export interface ListOptions {
  queryTimeoutMs?: number;
  concurrency?: number;
}

type Checked = { open: OpenDiscrepancy } | { noLongerOpen: string } | { unavailable: { workflowId: string; reason: string } };

export async function listOpenDiscrepancies(
  client: Client,
  { queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS, concurrency = 8 }: ListOptions = {},
): Promise<DiscrepancyListing> {
  const listed: { workflowId: string; resourceId: string }[] = [];
  const seen = new Set<string>();
  for await (const execution of client.workflow.list({ query: OPEN_DISCREPANCY_QUERY })) {
    if (seen.has(execution.workflowId)) continue;
    seen.add(execution.workflowId);
    const prefix = `${EVENT_FAMILIES.dispensing.entityPrefix}:`;
    listed.push({
      workflowId: execution.workflowId,
      resourceId: execution.workflowId.startsWith(prefix) ? execution.workflowId.slice(prefix.length) : execution.workflowId,
    });
  }

  const checked = await mapLimit(listed, concurrency, async ({ workflowId, resourceId }): Promise<Checked> => {
    let view: unknown;
    try {
      view = await queryEntityState(client, workflowId, queryTimeoutMs);
    } catch (error) {
      return { unavailable: { workflowId, reason: error instanceof Error ? error.message : String(error) } };
    }
    if (view === undefined) return { noLongerOpen: workflowId };
    const summary = summarizeEntity('dispensation', resourceId, view);
    if (!summary.flags.includes('discrepancy')) return { noLongerOpen: workflowId };
    const discrepancies = summary.discrepancies ?? [];
    return {
      open: {
        dispensationId: resourceId,
        workflowId,
        status: summary.status,
        rules: discrepancies.map((discrepancy) => discrepancy.rule),
        discrepancies,
        totalAmount: typeof summary.details.totalAmount === 'number' ? summary.details.totalAmount : null,
        currencyCode: typeof summary.details.currencyCode === 'string' ? summary.details.currencyCode : null,
        authorizationId: typeof summary.details.authorizationId === 'string' ? summary.details.authorizationId : null,
        openedAt: discrepancyOpenedAt(view),
        escalations: typeof summary.details.escalations === 'number' ? summary.details.escalations : 0,
      },
    };
  });

  const listing: DiscrepancyListing = { open: [], noLongerOpen: [], unavailable: [] };
  for (const item of checked) {
    if ('open' in item) listing.open.push(item.open);
    else if ('noLongerOpen' in item) listing.noLongerOpen.push(item.noLongerOpen);
    else listing.unavailable.push(item.unavailable);
  }
  // Oldest first: the one waiting longest is the one to look at.
  listing.open.sort((a, b) => (a.openedAt ?? '').localeCompare(b.openedAt ?? '') || a.dispensationId.localeCompare(b.dispensationId));
  return listing;
}
