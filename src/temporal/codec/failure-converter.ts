import { DefaultFailureConverter } from '@temporalio/common';

/*
 * Failure messages and stack traces go into Temporal's history in clear unless the failure
 * converter moves them into an encoded payload, which the payload codec then encrypts. A message
 * can echo a value (an invalid header, a resource id): encrypted, it is PHI-safe at rest.
 *
 * Loaded by path (DataConverter.failureConverterPath) so that the workflow bundle uses the same
 * converter as activities and clients; it imports nothing a workflow may not.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
