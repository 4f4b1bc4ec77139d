import { Connection } from '@temporalio/client';
import { z } from 'zod';
import { ConfigError } from '../config';
import { loadTemporalConnectConfig } from './connection-config';
import { MIN_RETENTION_DAYS, prepareNamespace } from './namespace-setup';

/** `npm run temporal:setup`: prepares the namespace named by Temporal's environment settings. */
async function main(): Promise<void> {
  const temporal = loadTemporalConnectConfig();
  const days = z.coerce
    .number()
    .int()
    .min(MIN_RETENTION_DAYS)
    .max(3650)
    .safeParse(process.env.TEMPORAL_RETENTION_DAYS ?? MIN_RETENTION_DAYS);
  if (!days.success) throw new ConfigError('TEMPORAL_RETENTION_DAYS', `must be a whole number of days, at least ${MIN_RETENTION_DAYS}`);

  const connection = await Connection.connect({ ...temporal.connectionOptions, connectTimeout: 10_000 });
  try {
    const report = await prepareNamespace(connection, temporal.namespace, days.data);
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
