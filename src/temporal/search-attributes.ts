import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * What operators filter on in the Web UI and CLI. The SQL visibility store gives a namespace only
 * 10 Keyword slots, so these are few and each answers a question an operator asks ("every event of
 * this dispensation", "every sandbox event"). None may carry PHI: ids and enums only.
 */
export const OSIGU_EVENT_TYPE = defineSearchAttributeKey('OsiguEventType', SearchAttributeType.KEYWORD);
export const OSIGU_EVENT_FAMILY = defineSearchAttributeKey('OsiguEventFamily', SearchAttributeType.KEYWORD);
export const OSIGU_RESOURCE_ID = defineSearchAttributeKey('OsiguResourceId', SearchAttributeType.KEYWORD);
export const OSIGU_ENVIRONMENT = defineSearchAttributeKey('OsiguEnvironment', SearchAttributeType.KEYWORD);

/** Event workflows: what became of the event (forwarded, ignored_environment, no_resource). */
export const OSIGU_OUTCOME = defineSearchAttributeKey('OsiguOutcome', SearchAttributeType.KEYWORD);
/** Entity workflows: the resource's status (CREATED, COMPLETED, EMAIL_FAILED, …). */
export const OSIGU_STATE = defineSearchAttributeKey('OsiguState', SearchAttributeType.KEYWORD);
/** Entity workflows: what needs a person (discrepancy, expired_unused, stale_started, …). */
export const OSIGU_FLAGS = defineSearchAttributeKey('OsiguFlags', SearchAttributeType.KEYWORD_LIST);

export const SEARCH_ATTRIBUTE_KEYS = [
  OSIGU_EVENT_TYPE,
  OSIGU_EVENT_FAMILY,
  OSIGU_RESOURCE_ID,
  OSIGU_ENVIRONMENT,
  OSIGU_OUTCOME,
  OSIGU_STATE,
  OSIGU_FLAGS,
] as const;
