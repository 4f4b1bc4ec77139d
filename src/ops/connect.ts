import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Env } from '../config';
import { dataConverterFor, loadPayloadEncryption } from '../temporal/codec/settings';
import { loadTemporalConnectConfig } from '../temporal/connection-config';
import { opsEnvironment } from './ops-environment';

/** The project root (this file is src/ops/connect.ts, or dist/ops/connect.js once built). */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface OpsClient {
  client: Client;
  close: () => Promise<void>;
  /** The settings it was made from (the operator's, or npm run dev's): e.g. where the codec audit file is. */
  env?: Env;
}

/**
 * A client from the same environment the worker and the receiver read (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE): the dev server, a
 * self-hosted cluster or Temporal Cloud. Eager, unlike the receiver's: an operator wants to hear at
 * once that Temporal is unreachable. Throws ConfigError on bad settings. With nothing exported on a
 * developer's machine, `npm run dev`'s stack is used (ops-environment.ts) and `notice` says so.
 */
export async function connectOps(
  given: Env = process.env,
  notice: (text: string) => void = () => undefined,
  root = PROJECT_ROOT,
): Promise<OpsClient> {
  const { env, notice: said } = opsEnvironment(given, root);
  if (said !== undefined) notice(`${said}\n`);
  const { connectionOptions, namespace } = loadTemporalConnectConfig(env);
  // The worker's keys (PAYLOAD_ENCRYPTION_KEYS): entity state and signals are encrypted payloads.
  const payloadEncryption = loadPayloadEncryption(env);
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions);
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${connectionOptions.address ?? '?'} (namespace ${namespace}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return {
    client: new Client({ connection, namespace, dataConverter: dataConverterFor(payloadEncryption) }),
    close: () => connection.close(),
    env,
  };
}
