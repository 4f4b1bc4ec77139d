import { userInfo } from 'node:os';
import type { Client } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CODEC_SERVER_AUDIT_LOG } from '../codec-server/config';
import { ConfigError, readOptional, type Env } from '../config';
import { RESOLUTION_DECISIONS, type ResolutionDecision } from '../domain/dispensation-decision';
import { connectOps, type OpsClient } from './connect';
import { listOpenDiscrepancies } from './discrepancies';
import { auditTrail } from './audit';
import {
  discrepancyWarnings,
  formatAudit,
  formatBulkPlan,
  formatBulkProgress,
  formatDiscrepancies,
  formatParked,
  formatRedecidePlan,
  formatRerun,
  formatResolveOutcome,
  formatTimeline,
} from './format';
import { parseSince, planBulkRerun, startBulkRerun, watchBulkRerun } from './bulk-rerun';
import { rerunEvent, RerunRefusedError } from './rerun';
import { listParked, PARKED_QUERY } from './parked';
import { InvalidResolutionError, NoOpenDiscrepancyError, resolveDiscrepancy } from './resolve';
import { entityRefOf, InvalidResourceIdError, type EntityRef } from './resources';
import { entityToRedecide, planRedecide, startRedecide } from './redecide';
import { resourceTimeline } from './timeline';

/**
 * Exit codes: 0 done; 1 refused or failed; 2 a listing is incomplete (some entities could not be
 * read: it is never reported as complete); 3 resolve sent but not yet applied; 78 bad settings.
 */
export const EXIT = { ok: 0, failed: 1, incomplete: 2, pending: 3, config: 78 } as const;

export interface CliContext {
  env: Env;
  /** Where results go (stdout); text arrives with its newline. */
  out: (text: string) => void;
  /** Where refusals, warnings and errors go (stderr). */
  err: (text: string) => void;
  /** `notice` takes what the connection has to say about where its settings came from (stderr). */
  connect: (env: Env, notice: (text: string) => void) => Promise<OpsClient>;
}

const ENVIRONMENT_HELP = `
Temporal is reached with the same environment as the worker and the receiver:
  TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default default),
  TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE.

Output carries ids, types, statuses, rule names, amounts and times only: never an event's data.

With nothing exported on a developer's machine, the CLI uses npm run dev's stack (its Temporal
address and its payload key in .temporal/dev-keys/) and says so on stderr.

Exit codes: 0 done; 1 refused or failed; 2 listing incomplete (some entities could not be read);
3 resolve sent but not applied yet; 78 bad settings.`;

const parseDecision = (value: string): ResolutionDecision => {
  const decision = RESOLUTION_DECISIONS.find((known) => known === value);
  if (decision === undefined) throw new InvalidArgumentError(`one of ${RESOLUTION_DECISIONS.join(', ')}.`);
  return decision;
};
const parseOperator = (value: string): string => {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 100 || /[\r\n]/.test(trimmed))
    throw new InvalidArgumentError('an operator name or id, 1 to 100 characters on one line.');
  return trimmed;
};
const parseText =
  (max: number) =>
  (value: string): string => {
    const trimmed = value.trim();
    if (trimmed.length === 0 || trimmed.length > max) throw new InvalidArgumentError(`1 to ${max} characters.`);
    return trimmed;
  };
const parseSeconds = (value: string): number => {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 120) throw new InvalidArgumentError('seconds, 0 to 120.');
  return seconds;
};

const parseRate = (value: string): number => {
  const rate = Number(value);
  if (!Number.isInteger(rate) || rate < 1 || rate > 500) throw new InvalidArgumentError('resets per second, 1 to 500.');
  return rate;
};

interface RerunOptions {
  reason: string;
  query?: string;
  since?: string;
  until?: string;
  by?: string;
  yes?: boolean;
  rate: number;
  job?: string;
  json?: boolean;
}

/** Who asked, when `--by` was not given for one event: the login name, so a re-run is never anonymous. */
const operatorLogin = (): string => {
  try {
    return parseOperator(userInfo().username);
  } catch {
    return 'unknown-login';
  }
};

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The `ops` program; `setExit` records the exit code an action decided on. */
export function buildProgram(context: CliContext, setExit: (code: number) => void): Command {
  const withClient = async (fn: (client: Client, env: Env) => Promise<void>): Promise<void> => {
    const ops = await context.connect(context.env, context.err);
    try {
      await fn(ops.client, ops.env ?? context.env);
    } finally {
      await ops.close();
    }
  };

  const program = new Command('ops')
    .description("Operate Osigu's webhook workflows on Temporal: open discrepancies, resolutions, timelines, re-runs.")
    .exitOverride()
    .configureOutput({ writeOut: context.out, writeErr: context.err })
    .showHelpAfterError('(add --help for usage)')
    .helpCommand(true)
    .addHelpText('after', ENVIRONMENT_HELP);

  program
    .command('discrepancies')
    .description('List dispensations with an open discrepancy (running entities flagged "discrepancy"), each checked against its state.')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Visibility lags the workflows by a moment: a discrepancy raised or resolved in the last seconds may
not show yet. Every listed entity is queried, and one whose state says it is no longer open is left
out (and named on stderr). One that cannot be read (no worker polling, or payload keys this CLI
lacks) is counted and named on stderr, and the exit code is 2: the listing is incomplete.`,
    )
    .action(async (options: { json?: boolean }) => {
      await withClient(async (client) => {
        const listing = await listOpenDiscrepancies(client);
        context.out(options.json === true ? json(listing) : `${formatDiscrepancies(listing)}\n`);
        for (const warning of discrepancyWarnings(listing)) context.err(`${warning}\n`);
        if (listing.unavailable.length > 0) setExit(EXIT.incomplete);
      });
    });

  program
    .command('resolve')
    .description("Record an operator's decision on a dispensation's open discrepancy (Update resolveDiscrepancy).")
    .argument('<dispensation_id>', 'dsp_… (or dispensation:dsp_…)')
    .requiredOption('--decision <decision>', 'accept (pay as dispensed) or reject (dispute with the sponsor)', parseDecision)
    .requiredOption('--by <operator>', "who decides: an operator's name or id, never a patient's", parseOperator)
    .option('--note <text>', 'why, in a few words (no patient data)', parseText(500))
    .option('--wait <seconds>', 'how long to wait for the entity to answer', parseSeconds, 5)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Refused by the entity itself (exit 1, nothing recorded) when the dispensation has no open
discrepancy, so a second resolve changes nothing. Exit 3 when the entity did not answer within
--wait (no worker running?): check with "ops timeline <dispensation_id>" before trying again.`,
    )
    .action(
      async (
        dispensationId: string,
        options: { decision: ResolutionDecision; by: string; note?: string; wait: number; json?: boolean },
      ) => {
        await withClient(async (client) => {
          const result = await resolveDiscrepancy(
            client,
            dispensationId,
            { decision: options.decision, by: options.by, ...(options.note === undefined ? {} : { note: options.note }) },
            { waitMs: options.wait * 1000 },
          );
          if (options.json === true) context.out(json(result));
          if (result.outcome === 'resolved') {
            if (options.json !== true) context.out(`${formatResolveOutcome(result)}\n`);
          } else {
            if (options.json !== true) context.err(`${formatResolveOutcome(result)}\n`);
            setExit(result.outcome === 'pending' ? EXIT.pending : EXIT.failed);
          }
        });
      },
    );

  program
    .command('timeline')
    .description("A resource's entity state and its event workflows in created_at order.")
    .argument('<resource_id>', 'auth_…, areq_…, dsp_…, rx_…, stl_…, or an entity workflow id such as dispensation:dsp_…')
    .option('--json', 'machine-readable output')
    .action(async (resourceId: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const timeline = await resourceTimeline(client, resourceId);
        context.out(options.json === true ? json(timeline) : `${formatTimeline(timeline)}\n`);
      });
    });

  program
    .command('rerun')
    .description(
      "Run events' workflows again on purpose: one by id, or many by a visibility query and a time window (a Temporal batch reset).",
    )
    .argument('[event_id]', "one event's id, which is its workflow id")
    .requiredOption('--reason <text>', 'why; recorded in every new run', parseText(500))
    .option(
      '--query <visibility query>',
      "which events, in Temporal's visibility language, e.g. \"OsiguEventType = 'dispensing.completed'\"",
    )
    .option('--since <when>', 'accepted at or after: 2h, 30m, 7d, or an ISO 8601 time (required with --query)')
    .option('--until <when>', 'accepted at or before (default: now)')
    .option(
      '--by <operator>',
      'who asks (required with --yes; one event: your login name by default), recorded in the reason',
      parseOperator,
    )
    .option('--yes', 'act: without it a bulk re-run only shows what it would do')
    .option('--rate <per-second>', 'resets per second (default 20), so live deliveries keep their share', parseRate, 20)
    .option('--job <job_id>', 'watch a bulk re-run started earlier (its progress and final count)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
A redelivery from Osigu never re-runs an event (the receiver answers it as a duplicate): a re-run is
the operator's deliberate act. The event is handed to its entity again, which keeps events by id and
ignores the copy. One event is equivalent to:
  temporal workflow reset --workflow-id <event_id> --type FirstWorkflowTask --reason <text>

Many events: --query and --since select event workflows only (never entities); without --yes the
command prints how many match and a sample, and changes nothing. With --yes it starts a Temporal
batch job (durable: it goes on if this command is stopped), prints its job id, and shows progress
until it ends; "ops rerun --reason x --job <job_id>" watches it again. Exit 1 if any reset failed.`,
    )
    .action(async (eventId: string | undefined, options: RerunOptions) => {
      const bulk = options.query !== undefined || options.since !== undefined || options.until !== undefined;
      if (eventId !== undefined && (bulk || options.job !== undefined))
        throw new RerunRefusedError('give an event id, or --query/--since, or --job: not both');
      await withClient(async (client) => {
        if (options.job !== undefined) {
          const job = await watchBulkRerun(client, options.job, (progress) => context.err(`${formatBulkProgress(progress)}\n`));
          context.out(options.json === true ? json(job) : `${formatBulkProgress(job)}\n`);
          if (job.state !== 'completed' || job.failed > 0) setExit(EXIT.failed);
          return;
        }
        if (eventId !== undefined) {
          const result = await rerunEvent(client, eventId, options.reason, { by: options.by ?? operatorLogin() });
          context.out(options.json === true ? json(result) : `${formatRerun(result)}\n`);
          return;
        }
        if (options.since === undefined)
          throw new RerunRefusedError(
            'a bulk re-run needs --since (and optionally --until, --query): a window, so a typo never selects everything',
          );
        const now = new Date();
        const plan = await planBulkRerun(client, {
          ...(options.query === undefined ? {} : { query: options.query }),
          since: parseSince(options.since, now),
          ...(options.until === undefined ? {} : { until: parseSince(options.until, now) }),
        });
        if (options.yes !== true || plan.count === 0) {
          context.out(options.json === true ? json({ dryRun: true, ...plan }) : `${formatBulkPlan(plan, options.yes === true)}\n`);
          return;
        }
        if (options.by === undefined) throw new RerunRefusedError('--by is required with --yes: who asked is recorded with every reset');
        const jobId = await startBulkRerun(client, plan, { reason: options.reason, by: options.by, ratePerSecond: options.rate });
        context.err(`started batch job ${jobId} for ${plan.count} event workflow${plan.count === 1 ? '' : 's'}\n`);
        const job = await watchBulkRerun(client, jobId, (progress) => context.err(`${formatBulkProgress(progress)}\n`));
        context.out(options.json === true ? json({ dryRun: false, query: plan.query, ...job }) : `${formatBulkProgress(job)}\n`);
        if (job.state !== 'completed' || job.failed > 0) setExit(EXIT.failed);
      });
    });

  program
    .command('parked')
    .description('Events whose workflow is parked (could not be handed to, or applied by, their entity): ids, types, reason, since.')
    .option('--query <visibility query>', 'narrow it, e.g. "OsiguEventType = \'dispensing.completed\'"')
    .option('--json', 'machine-readable output')
    .action(async (options: { query?: string; json?: boolean }) => {
      await withClient(async (client) => {
        const parked = await listParked(client, options.query === undefined ? {} : { query: options.query });
        context.out(options.json === true ? json(parked) : `${formatParked(parked)}\n`);
      });
    });

  program
    .command('retry')
    .description('Re-drive parked events: one by id, or every parked one in a window (a re-run: reset to the first workflow task).')
    .argument('[event_id]', "one parked event's id")
    .requiredOption('--reason <text>', 'why; recorded in every new run', parseText(500))
    .option('--since <when>', 'parked events accepted at or after: 2h, 30m, 7d, or an ISO 8601 time (required without an id)')
    .option(
      '--by <operator>',
      'who asks (required with --yes; one event: your login name by default), recorded in the reason',
      parseOperator,
    )
    .option('--yes', 'act: without it, retrying many only shows what it would do')
    .option('--json', 'machine-readable output')
    .action(
      async (eventId: string | undefined, options: { reason: string; since?: string; by?: string; yes?: boolean; json?: boolean }) => {
        await withClient(async (client) => {
          if (eventId !== undefined) {
            const parked = await listParked(client, { query: `WorkflowId = '${eventId.replace(/'/g, '')}'` });
            if (parked.length === 0)
              throw new RerunRefusedError(`${eventId}: not parked (see ops parked); use ops rerun to re-run it anyway`);
            const result = await rerunEvent(client, eventId, options.reason, { by: options.by ?? operatorLogin() });
            context.out(options.json === true ? json(result) : `${formatRerun(result)}\n`);
            return;
          }
          if (options.since === undefined)
            throw new RerunRefusedError('retrying many needs --since: a window, so a typo never selects everything');
          const plan = await planBulkRerun(client, { query: PARKED_QUERY, since: parseSince(options.since, new Date()) });
          if (options.yes !== true || plan.count === 0) {
            context.out(options.json === true ? json({ dryRun: true, ...plan }) : `${formatBulkPlan(plan, options.yes === true)}\n`);
            return;
          }
          if (options.by === undefined) throw new RerunRefusedError('--by is required with --yes: who asked is recorded with every reset');
          const jobId = await startBulkRerun(client, plan, { reason: options.reason, by: options.by, ratePerSecond: 20 });
          const job = await watchBulkRerun(client, jobId, (progress) => context.err(`${formatBulkProgress(progress)}\n`));
          context.out(options.json === true ? json({ dryRun: false, query: plan.query, ...job }) : `${formatBulkProgress(job)}\n`);
          if (job.state !== 'completed' || job.failed > 0) setExit(EXIT.failed);
        });
      },
    );

  program
    .command('redecide')
    .description(
      'Decide entities again with the code now current (after a bad deploy): one by its resource id, or every entity whose events arrived in a window.',
    )
    .argument('[resource_id]', 'dsp_…, auth_…, rx_…, stl_…, or an entity workflow id such as dispensation:dsp_…')
    .requiredOption('--reason <text>', 'why; recorded in every new run', parseText(500))
    .option('--query <visibility query>', 'which events select the entities, e.g. "OsiguEventFamily = \'dispensing\'"')
    .option('--since <when>', 'entities with an event accepted at or after: 2h, 30m, 7d, or an ISO 8601 time')
    .option('--until <when>', 'accepted at or before (default: now)')
    .option('--by <operator>', 'who asks (required with --yes; one entity: your login name by default)', parseOperator)
    .option('--yes', 'act: without it, a window only shows which entities it would decide again')
    .option('--rate <per-second>', 'resets per second (default 20)', parseRate, 20)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Resets each entity's current run to its first workflow task (a Temporal batch job, listed by
ops audit): Temporal gives the new run the events the old one received, and the entity folds them
again with the code now current. Its notifications are sent again under the same ids; Osigu
lookups run again. An entity that continued as new keeps what it carried in from its earlier runs.
A re-run of the events (ops rerun) does not do this: entities ignore events they already have.
Exit 1 if any reset failed.`,
    )
    .action(async (resourceId: string | undefined, options: Omit<RerunOptions, 'job'>) => {
      const bulk = options.query !== undefined || options.since !== undefined || options.until !== undefined;
      if (resourceId !== undefined && bulk) throw new RerunRefusedError('give a resource id, or --query/--since: not both');
      await withClient(async (client) => {
        let entities: EntityRef[];
        let by: string;
        if (resourceId !== undefined) {
          entities = [await entityToRedecide(client, resourceId)];
          by = options.by ?? operatorLogin();
        } else {
          if (options.since === undefined)
            throw new RerunRefusedError('give a resource id, or a window (--since, and optionally --until, --query)');
          const now = new Date();
          const plan = await planRedecide(client, {
            ...(options.query === undefined ? {} : { query: options.query }),
            since: parseSince(options.since, now),
            ...(options.until === undefined ? {} : { until: parseSince(options.until, now) }),
          });
          if (options.yes !== true || plan.entities.length === 0) {
            context.out(options.json === true ? json({ dryRun: true, ...plan }) : `${formatRedecidePlan(plan)}\n`);
            return;
          }
          if (options.by === undefined) throw new RerunRefusedError('--by is required with --yes: who asked is recorded with every reset');
          entities = plan.entities.map((workflowId) => entityRefOf(workflowId));
          by = options.by;
        }
        const jobId = await startRedecide(client, entities, { reason: options.reason, by, ratePerSecond: options.rate });
        context.err(`started batch job ${jobId} for ${entities.length} entit${entities.length === 1 ? 'y' : 'ies'}\n`);
        const job = await watchBulkRerun(client, jobId, (progress) => context.err(`${formatBulkProgress(progress)}\n`));
        context.out(
          options.json === true
            ? json({ dryRun: false, entities: entities.map((e) => e.workflowId), ...job })
            : `${formatBulkProgress(job)}\n`,
        );
        if (job.state !== 'completed' || job.failed > 0) setExit(EXIT.failed);
      });
    });

  program
    .command('audit')
    .description(
      'Who did what, when, why and on what: resolutions (the resolveDiscrepancy Update), re-runs, bulk re-runs and codec decodes.',
    )
    .requiredOption('--since <when>', '2h, 30m, 7d, or an ISO 8601 time')
    .option('--codec-log <file>', `the codec server's audit file (default: ${CODEC_SERVER_AUDIT_LOG}, or npm run dev's)`)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Read from Temporal itself: Update arguments in the entities' histories, reset reasons and identities
in the events' histories, and Temporal's list of batch jobs. Decodes and encodes (someone reading
payloads through the codec server) come from the codec server's own audit file, when this machine
can read it. Ids, decisions, operators and reasons only: a resolution's note is free text and is
not printed (the listing says whether there is one).
Exit 2 when some histories or audit lines could not be read (named on stderr): the trail is then incomplete.`,
    )
    .action(async (options: { since: string; codecLog?: string; json?: boolean }) => {
      await withClient(async (client, env) => {
        const codecAuditLog = options.codecLog ?? readOptional(env, CODEC_SERVER_AUDIT_LOG);
        const report = await auditTrail(client, parseSince(options.since, new Date()), { codecAuditLog });
        context.out(options.json === true ? json(report) : `${formatAudit(report)}\n`);
        for (const item of report.unreadable) context.err(`warning: ${item.source}: ${item.reason}\n`);
        if (report.unreadable.length > 0) setExit(EXIT.incomplete);
      });
    });

  return program;
}

/** Runs `ops` with these arguments (without node and script) and answers the exit code; never exits. */
export async function runCli(argv: readonly string[], overrides: Partial<CliContext> = {}): Promise<number> {
  const context: CliContext = {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    connect: connectOps,
    ...overrides,
  };
  let exitCode: number = EXIT.ok;
  const program = buildProgram(context, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // Help, version and usage errors: commander has printed them already.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      context.err(`ops: configuration error: ${error.message}\n`);
      return EXIT.config;
    }
    if (
      error instanceof NoOpenDiscrepancyError ||
      error instanceof InvalidResolutionError ||
      error instanceof RerunRefusedError ||
      error instanceof InvalidResourceIdError
    ) {
      context.err(`ops: ${error.message}\n`);
      return EXIT.failed;
    }
    context.err(`ops: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`ops: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
