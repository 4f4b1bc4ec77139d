/**
 * `npm run osigu -- <command>`: a local Osigu. Delivers signed events with Osigu's retry schedule
 * (send, load), stands in for Osigu's API (api), and registers a receiver's URL (subscribe).
 */
import { Command } from 'commander';
import { registerApiCommand } from './commands/api';
import { registerLoadCommand } from './commands/load';
import { registerSendCommand } from './commands/send';
import { registerSubscribeCommand } from './commands/subscribe';

const program = new Command('osigu')
  .description('A local Osigu: signed webhook deliveries with its retry schedule, a stand-in API, subscriptions, load.')
  .showHelpAfterError();
registerSendCommand(program);
registerLoadCommand(program);
registerApiCommand(program);
registerSubscribeCommand(program);

program.parseAsync().catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  process.stderr.write(`osigu: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
  process.exitCode = 1;
});
