import { setTimeout as delay } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { OsiguClient } from '../../src/osigu-client/client';
import { OsiguApiError } from '../../src/osigu-client/errors';

interface SubscribeOptions {
  url: string;
  eventTypes: string;
  apiBase: string;
  clientId: string;
  clientSecret: string;
  allowInsecureUrl?: true;
}

// A 429 is worth waiting out a few times at a prompt; longer outages are for the operator.
const RATE_LIMIT_RETRIES = 3;
const LONGEST_WAIT_MS = 60_000;

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function registerSubscribeCommand(program: Command): void {
  program
    .command('subscribe')
    .description("register a receiver URL for Osigu's webhooks (or the stand-in API's)")
    .requiredOption('--url <url>', 'the receiver endpoint Osigu will POST events to (https://…)')
    .option('--event-types <patterns>', "comma-separated patterns, e.g. 'authorization.*,dispensing.*'", '*')
    .addOption(new Option('--api-base <url>', "Osigu's API").env('OSIGU_API_BASE_URL').default('https://sandbox.osigu.com'))
    .addOption(new Option('--client-id <id>', 'OAuth client id').env('OSIGU_CLIENT_ID').makeOptionMandatory())
    .addOption(
      new Option('--client-secret <secret>', 'OAuth client secret (prefer the environment variable)')
        .env('OSIGU_CLIENT_SECRET')
        .makeOptionMandatory(),
    )
    .option('--allow-insecure-url', 'accept an http:// receiver URL (only the stand-in API accepts one)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts<SubscribeOptions>();
      const output = command.configureOutput();

      const url = parseUrl(options.url);
      if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        command.error(`subscribe: --url must be an absolute https:// URL`, { exitCode: 2, code: 'subscribe.invalid_url' });
      }
      if (url.protocol !== 'https:' && options.allowInsecureUrl !== true) {
        command.error(
          `subscribe: --url must be https:// (Osigu delivers over HTTPS only); got ${url.protocol}//${url.host}. ` +
            'Use --allow-insecure-url only with the stand-in API for a local receiver.',
          { exitCode: 2, code: 'subscribe.insecure_url' },
        );
      }
      const apiBase = parseUrl(options.apiBase);
      // The client secret travels to this URL: in clear text only to this machine.
      if (apiBase === undefined || (apiBase.protocol !== 'https:' && !(apiBase.protocol === 'http:' && isLoopbackHost(apiBase.hostname)))) {
        command.error('subscribe: --api-base must be an https:// URL (http:// only for a stand-in on this machine)', {
          exitCode: 2,
          code: 'subscribe.insecure_api_base',
        });
      }
      const eventTypes = options.eventTypes
        .split(',')
        .map((pattern) => pattern.trim())
        .filter((pattern) => pattern !== '');
      if (eventTypes.length === 0)
        command.error('subscribe: --event-types needs at least one pattern', { exitCode: 2, code: 'subscribe.no_event_types' });

      const client = new OsiguClient({ baseUrl: options.apiBase, clientId: options.clientId, clientSecret: options.clientSecret });
      for (let attempt = 0; ; attempt += 1) {
        try {
          const subscription = await client.createSubscription({ url: url.href, eventTypes });
          output.writeOut?.(`${JSON.stringify(subscription, null, 2)}\n`);
          return;
        } catch (error) {
          if (!(error instanceof OsiguApiError)) throw error;
          if (error.code === 'rate_limited' && attempt < RATE_LIMIT_RETRIES) {
            const waitMs = Math.min(error.retryAfterMs ?? 1_000, LONGEST_WAIT_MS);
            output.writeErr?.(`subscribe: rate limited by Osigu, retrying in ${Math.ceil(waitMs / 1000)} s\n`);
            await delay(waitMs);
            continue;
          }
          command.error(`subscribe: ${error.message} [${error.code}]`, { exitCode: 1, code: `subscribe.${error.code}` });
        }
      }
    });
}
