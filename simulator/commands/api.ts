import { InvalidArgumentError, Option, type Command } from 'commander';
import pino from 'pino';
import { parseClientPair, type ClientCredentials } from '../api/client-credentials';
import { DEV_WEBHOOK_SECRET } from '../../scripts/dev-keys';
import { DEV_CLIENT } from '../api/dev-defaults';
import { startOsiguApi } from '../api/server';

interface ApiCommandOptions {
  port: number;
  client: ClientCredentials[];
  webhookSecret?: string;
  timeScale: number;
  tokenTtl: number;
  allowInsecureSubscriptions?: true;
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return port;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) throw new InvalidArgumentError('must be a positive number');
  return number;
}

function positiveInteger(value: string): number {
  const number = positiveNumber(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('must be a whole number');
  return number;
}

function clientPair(value: string, previous: ClientCredentials[]): ClientCredentials[] {
  try {
    return [...previous, parseClientPair(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description(
      'run a stand-in Osigu API on this machine until Ctrl-C (tokens, subscriptions, resources, the mock sponsor, fault switches)',
    )
    .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', portNumber, 4010)
    .option(
      '--client <id:secret>',
      `an accepted OAuth client, repeatable (default: OSIGU_CLIENT_ID/OSIGU_CLIENT_SECRET, else ${DEV_CLIENT.clientId}:${DEV_CLIENT.clientSecret})`,
      clientPair,
      [],
    )
    .addOption(
      new Option(
        '--webhook-secret <secret>',
        `signing secret for emitted events, comma-separated for several (default: ${DEV_WEBHOOK_SECRET}, as npm run dev)`,
      ).env('OSIGU_WEBHOOK_SECRET'),
    )
    .option(
      '--time-scale <x>',
      'run simulated delays x times faster (100: the sponsor decides in 0.3 s instead of 30 s)',
      positiveNumber,
      1,
    )
    .option('--token-ttl <seconds>', 'expires_in of issued tokens', positiveInteger, 3600)
    .option('--allow-insecure-subscriptions', 'accept http:// subscription URLs (a local receiver such as npm run dev)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts<ApiCommandOptions>();
      const output = command.configureOutput();
      const clients = options.client.length > 0 ? options.client : clientsFromEnvironment();
      const secrets = options.webhookSecret?.split(',').filter((secret) => secret !== '') ?? [];
      const api = await startOsiguApi({
        port: options.port,
        clients,
        webhookSecrets: secrets.length > 0 ? secrets : DEV_WEBHOOK_SECRET,
        timeScale: options.timeScale,
        tokenTtlSeconds: options.tokenTtl,
        allowInsecureSubscriptions: options.allowInsecureSubscriptions === true,
        // JSON lines on stderr, so stdout keeps only what this command prints for people.
        logger: pino({ name: 'osigu-api', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2)),
      });
      const admin = `${api.origin}/__admin`;
      output.writeOut?.(
        [
          `Stand-in Osigu API  ${api.origin}    (OSIGU_API_BASE_URL=${api.origin})`,
          `  clients   ${clients.map((client) => client.clientId).join(', ')}`,
          `  sponsor   decides ${Number((30 / options.timeScale).toPrecision(3))} s after POST /arc/v1/authorization-requests`,
          `  admin     GET|POST ${admin}/faults   POST ${admin}/reset   GET ${admin}/requests   POST ${admin}/events`,
          `  subscriptions ${options.allowInsecureSubscriptions === true ? 'may be http:// or https://' : 'must be https:// (--allow-insecure-subscriptions for a local receiver)'}`,
          'Ctrl-C stops it.',
          '',
        ].join('\n'),
      );
      await stopSignal();
      await api.close();
    });
}

function clientsFromEnvironment(): ClientCredentials[] {
  const clientId = process.env.OSIGU_CLIENT_ID;
  const clientSecret = process.env.OSIGU_CLIENT_SECRET;
  return clientId && clientSecret ? [{ clientId, clientSecret }] : [DEV_CLIENT];
}

/** Resolves at the first Ctrl-C or SIGTERM, then leaves both signals to their defaults again. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
