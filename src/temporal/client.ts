import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { TemporalConnectConfig } from './connection-config';

export interface TemporalClient {
  client: Client;
  /** True when Temporal answers within the deadline; never throws. */
  isReachable(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A lazy connection, so the receiver starts (and answers 503) while Temporal is still down, and
 * gRPC reconnects on its own when Temporal returns.
 */
export function createTemporalClient(
  { connectionOptions, namespace }: TemporalConnectConfig,
  /** Payload codecs (encryption, src/temporal/codec): none stores payloads in clear. */
  payloadCodecs: PayloadCodec[] = [],
  /** Tracing's client interceptors (src/tracing), when tracing is on. */
  interceptors?: ClientInterceptors,
): TemporalClient {
  const connection = Connection.lazy(connectionOptions);
  const client = new Client({
    connection,
    namespace,
    dataConverter: { payloadCodecs },
    ...(interceptors === undefined ? {} : { interceptors }),
  });
  return {
    client,
    async isReachable(timeoutMs = 2_000) {
      try {
        await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
    close: () => connection.close(),
  };
}
