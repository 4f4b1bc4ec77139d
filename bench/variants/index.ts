/** The five variants of the issue, in the order a run takes them. */
import path from 'node:path';
import { SkipVariant, startSqliteTemporal, type TemporalBackend } from '../temporal/backends';
import { startBareStart, startInsertBaseline, startVerifyOnly } from './baselines';
import { startOurStack, startWorkers } from './receiver';
import type { RunContext, Target, VariantDefinition } from './types';

/** A fresh dev server for one variant, stopped with it: no variant inherits another's workflows. */
async function freshSqlite(ctx: RunContext, name: string): Promise<TemporalBackend> {
  return startSqliteTemporal({
    cliPath: await ctx.cliPath(),
    dbFile: ctx.options.devDb === 'file' ? path.join(ctx.workDir, `${name}.db`) : undefined,
    dynamicConfig: ctx.options.temporalConfig,
  });
}

function stoppingAlso(target: Target, backend: TemporalBackend): Target {
  return {
    ...target,
    async stop() {
      await target.stop();
      await backend.stop();
    },
  };
}

async function withBackend(
  backend: TemporalBackend,
  owned: boolean,
  start: (backend: TemporalBackend) => Promise<Target>,
): Promise<Target> {
  const problem = backend.problem();
  if (problem !== undefined) throw new SkipVariant(problem);
  try {
    const target = await start(backend);
    return owned ? stoppingAlso(target, backend) : target;
  } catch (error) {
    if (owned) await backend.stop();
    throw error;
  }
}

export const VARIANTS: readonly VariantDefinition[] = [
  {
    id: 'verify-only',
    number: '4',
    title: 'Verify-only endpoint',
    summary:
      'node:http that reads the body, verifies the signature, parses the JSON and answers 200: the upper bound for any HTTP layer of ours on this machine.',
    setup: (ctx) => startVerifyOnly(ctx),
  },
  {
    id: 'insert-baseline',
    number: '3',
    title: 'Verify + PostgreSQL INSERT … ON CONFLICT DO NOTHING (the seed’s pattern)',
    summary:
      'The same node:http skeleton, deduplicating with INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING on a pg Pool of 10, then 200: what Osigu’s guide shows.',
    setup: (ctx) => startInsertBaseline(ctx),
  },
  {
    id: 'bare-start-sqlite',
    number: '5',
    title: 'Bare workflow start, no HTTP — dev server (SQLite)',
    summary:
      'createEventStarter called in a loop with the same events and pacing, against a fresh dev server with a worker running: the upper bound Temporal allows.',
    backend: 'sqlite',
    setup: async (ctx) =>
      withBackend(await freshSqlite(ctx, 'bare-start-sqlite'), true, async (backend) =>
        startBareStart(ctx, backend, await startWorkers(ctx, backend, 1, 'bare-start-sqlite')),
      ),
  },
  {
    id: 'receiver-sqlite',
    number: '1',
    title: 'Receiver + Temporal dev server (SQLite)',
    summary:
      'node dist/http/server.js and node dist/worker.js against a fresh Temporal dev server with a file-backed SQLite database, as npm run dev runs it.',
    backend: 'sqlite',
    setup: async (ctx) =>
      withBackend(await freshSqlite(ctx, 'receiver-sqlite'), true, (backend) =>
        startOurStack(ctx, backend, { receivers: 1, workers: 1, name: 'receiver-sqlite', cluster: false }),
      ),
  },
  {
    id: 'bare-start-postgres',
    number: '5',
    title: 'Bare workflow start, no HTTP — Temporal on PostgreSQL',
    summary: 'createEventStarter in a loop against the single-node Temporal on PostgreSQL, with a worker running.',
    backend: 'postgres',
    setup: async (ctx) =>
      withBackend(await ctx.postgresTemporal(), false, async (backend) =>
        startBareStart(ctx, backend, await startWorkers(ctx, backend, 1, 'bare-start-postgres')),
      ),
  },
  {
    id: 'receiver-postgres',
    number: '2',
    title: 'Receiver + Temporal on PostgreSQL',
    summary:
      'node dist/http/server.js and node dist/worker.js against a single-node Temporal server whose persistence and visibility are the local PostgreSQL (scripts/temporal-postgres.sh).',
    backend: 'postgres',
    setup: async (ctx) =>
      withBackend(await ctx.postgresTemporal(), false, (backend) =>
        startOurStack(ctx, backend, { receivers: 1, workers: 1, name: 'receiver-postgres', cluster: false }),
      ),
  },
];
