import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { SEARCH_ATTRIBUTE_KEYS } from './search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;

/** Osigu retries for 72 h; a week of retention keeps every redelivery a recognisable duplicate. */
export const MIN_RETENTION_DAYS = 7;

export interface NamespaceSetupReport {
  namespace: string;
  registered: boolean;
  retentionDays: number;
  retentionRaised: boolean;
  searchAttributesAdded: string[];
}

const SECONDS_PER_DAY = 86_400;

const INDEXED_TYPE_BY_KIND: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Retries `call` while the server answers NOT_FOUND for a namespace registered a moment ago: each
 * frontend remembers a namespace it did not find for a second (a fresh cluster, where `default` does
 * not exist yet, hits this right after our own describeNamespace).
 */
async function onceVisible<T>(call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (grpcCode(error) !== GrpcStatus.NOT_FOUND || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function seconds(value: { seconds?: number | { toNumber(): number } | null } | null | undefined): number {
  const raw = value?.seconds;
  if (raw === undefined || raw === null) return 0;
  return typeof raw === 'number' ? raw : raw.toNumber();
}

/**
 * Makes a namespace fit for this receiver, and is safe to run again and again: register it if
 * missing, raise its retention to at least `retentionDays` (never lower it), add the search
 * attributes it lacks. A dev server started on an existing database ignores `--search-attribute`,
 * so this runs after every start.
 */
export async function prepareNamespace(
  connection: Connection,
  namespace: string,
  retentionDays: number = MIN_RETENTION_DAYS,
): Promise<NamespaceSetupReport> {
  const wanted = retentionDays * SECONDS_PER_DAY;
  let registered = false;
  let current: number;
  try {
    const description = await connection.workflowService.describeNamespace({ namespace });
    current = seconds(description.config?.workflowExecutionRetentionTtl);
  } catch (error) {
    if (grpcCode(error) !== GrpcStatus.NOT_FOUND) throw error;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(wanted) },
    });
    registered = true;
    current = wanted;
  }

  let retentionRaised = false;
  if (current < wanted) {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: { seconds: Long.fromNumber(wanted) } },
    });
    retentionRaised = true;
    current = wanted;
  }

  const existing = (await onceVisible(() => connection.operatorService.listSearchAttributes({ namespace }))).customAttributes ?? {};
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    const wantedType = INDEXED_TYPE_BY_KIND[key.type];
    if (wantedType === undefined) throw new Error(`no indexed type for search attribute kind ${key.type}`);
    const present = existing[key.name];
    if (present === undefined) missing[key.name] = wantedType;
    else if (present !== wantedType) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} as ${IndexedValueType[present]}, expected ${IndexedValueType[wantedType]}`,
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await onceVisible(() => connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing }));
  }

  return {
    namespace,
    registered,
    retentionDays: current / SECONDS_PER_DAY,
    retentionRaised,
    searchAttributesAdded: Object.keys(missing),
  };
}
