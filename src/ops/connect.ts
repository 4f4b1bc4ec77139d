import { Client, Connection } from '@temporalio/client';
import type { Env } from '../config';
import { dataConverterFor, loadPayloadEncryption } from '../temporal/codec/settings';
import { loadTemporalConnectConfig } from '../temporal/connection-config';

export interface OpsClient {
  client: Client;
  close: () => Promise<void>;
}

/**
 * A client from the same environment the worker and the receiver read (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE): the dev server, a
 * self-hosted cluster or Temporal Cloud. Eager, unlike the receiver's: an operator wants to hear at
 * once that Temporal is unreachable. Throws ConfigError on bad settings.
 */
export async function connectOps(env: Env = process.env): Promise<OpsClient> {
  const { connectionOptions, namespace } = loadTemporalConnectConfig(env);
  // The worker's keys (PAYLOAD_ENCRYPTION_KEYS): entity state and signals are encrypted payloads.
  const payloadEncryption = loadPayloadEncryption(env);
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions);
  } catch (error) {
    throw new Error(`cannot reach Temporal at ${connectionOptions.address ?? '?'} (namespace ${namespace}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { client: new Client({ connection, namespace, dataConverter: dataConverterFor(payloadEncryption) }), close: () => connection.close() };
}
