import { Connection } from '@temporalio/client';
import { integer, read } from '../config';
import { loadTemporalConnectConfig } from './connection-config';
import { MIN_RETENTION_DAYS, prepareNamespace } from './namespace-setup';

/** `npm run temporal:setup`: prepares the namespace named by Temporal's environment settings. */
async function main(): Promise<void> {
  const temporal = loadTemporalConnectConfig();
  // Read like every other setting (src/config.ts): a ConfigError names it and says what it must be.
  const days = read(process.env, 'TEMPORAL_RETENTION_DAYS', integer(MIN_RETENTION_DAYS, 3650), String(MIN_RETENTION_DAYS));

  const connection = await Connection.connect({ ...temporal.connectionOptions, connectTimeout: 10_000 });
  try {
    const report = await prepareNamespace(connection, temporal.namespace, days);
    process.stdout.write(
      [
        `namespace ${report.namespace} at ${temporal.connectionOptions.address}: ${report.registered ? 'registered' : 'exists'}`,
        `retention ${report.retentionDays} days${report.retentionRaised ? ' (raised)' : ''}`,
        `search attributes ${report.searchAttributesAdded.length > 0 ? `added: ${report.searchAttributesAdded.join(', ')}` : 'all present'}`,
      ].join('; ') + '\n',
    );
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`temporal:setup: ${message}\n`);
  // Temporal Cloud manages namespaces and search attributes through its own control plane.
  if (/permission|unimplemented|not allowed/i.test(message)) {
    process.stderr.write(
      'On Temporal Cloud, set retention and create the Keyword search attributes OsiguEventType, OsiguEventFamily, OsiguResourceId and OsiguEnvironment with tcld or the Cloud UI.\n',
    );
  }
  process.exit(1);
});
