import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError, type Env } from '../config';

export interface TemporalConnectConfig {
  connectionOptions: ClientConnectConfig['connectionOptions'];
  namespace: string;
}

/**
 * Temporal's own conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_*, TEMPORAL_PROFILE and its TOML file), so the same process talks to the dev
 * server, a self-hosted cluster or Temporal Cloud without code changes.
 */
export function loadTemporalConnectConfig(env: Env = process.env): TemporalConnectConfig {
  let loaded: ClientConnectConfig;
  try {
    const overrideEnvVars = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    loaded = loadClientConnectConfig({ overrideEnvVars });
  } catch (error) {
    throw new ConfigError('TEMPORAL_*', error instanceof Error ? error.message : String(error));
  }
  return {
    connectionOptions: { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? '127.0.0.1:7233' },
    namespace: loaded.namespace ?? 'default',
  };
}
