/** Ratios, the goals (reported, never asserted) and the Markdown report. */
import type { Analysis, BenchResults, Goal, Ratio, ScalingResult, StepResult, ThroughputComparison, VariantResult } from './results';

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
/** A ratio to three significant digits: 0.0031 stays 0.0031 rather than becoming 0. */
const ratioOf = (value: number): number => (value >= 1 ? round(value) : Number(value.toPrecision(3)));

function maximumStep(variant: VariantResult | undefined): StepResult | undefined {
  return variant?.steps.find((step) => step.load.kind === 'closed');
}

function rateStep(variant: VariantResult | undefined, rate: number): StepResult | undefined {
  return variant?.steps.find((step) => step.load.kind === 'rate' && step.load.rate === rate);
}

export function analyze(variants: readonly VariantResult[], scaling: readonly ScalingResult[]): Analysis {
  const byId = new Map(variants.map((variant) => [variant.id, variant]));
  const p99VsBareStart: Ratio[] = [];
  for (const backend of ['sqlite', 'postgres']) {
    const receiver = byId.get(`receiver-${backend}`);
    const bare = byId.get(`bare-start-${backend}`);
    if (receiver === undefined || bare === undefined) continue;
    for (const step of receiver.steps) {
      const other = step.load.kind === 'rate' ? rateStep(bare, step.load.rate) : maximumStep(bare);
      if (other === undefined || other.latencyMs.p99 <= 0 || step.acknowledged === 0) continue;
      p99VsBareStart.push({
        backend,
        load: step.label,
        receiverP99: step.latencyMs.p99,
        bareStartP99: other.latencyMs.p99,
        ratio: ratioOf(step.latencyMs.p99 / other.latencyMs.p99),
        comparable: step.keptUp && other.keptUp,
      });
    }
  }

  const insert = maximumStep(byId.get('insert-baseline'))?.throughputPerSecond;
  const verify = maximumStep(byId.get('verify-only'))?.throughputPerSecond;
  const throughputAtMaximum: ThroughputComparison[] = [];
  for (const variant of variants) {
    const step = maximumStep(variant);
    if (step === undefined) continue;
    const bare =
      variant.backend === undefined || variant.id.startsWith('bare-')
        ? undefined
        : maximumStep(byId.get(`bare-start-${variant.backend}`))?.throughputPerSecond;
    throughputAtMaximum.push({
      id: variant.id,
      number: variant.number,
      title: variant.title,
      perSecond: step.throughputPerSecond,
      ...(insert ? { vsInsertBaseline: ratioOf(step.throughputPerSecond / insert) } : {}),
      ...(verify ? { vsVerifyOnly: ratioOf(step.throughputPerSecond / verify) } : {}),
      ...(bare ? { vsBareStart: ratioOf(step.throughputPerSecond / bare) } : {}),
    });
  }

  const base = scaling.find((point) => point.receivers === 1 && point.workers === 1)?.step?.throughputPerSecond;
  const scalingRatios = scaling.flatMap((point) =>
    point.step === undefined
      ? []
      : [
          {
            receivers: point.receivers,
            workers: point.workers,
            perSecond: point.step.throughputPerSecond,
            ...(base ? { vsOneByOne: ratioOf(point.step.throughputPerSecond / base) } : {}),
          },
        ],
  );

  const goals: Goal[] = [];
  // Where the bare start itself fell behind, Temporal is the limit and both sides measure a queue.
  const atRates = p99VsBareStart.filter((ratio) => ratio.load.endsWith('/s'));
  const comparable = atRates.filter((ratio) => ratio.comparable);
  const backendName = (backend: string): string => (backend === 'sqlite' ? 'SQLite' : 'PostgreSQL');
  goals.push({
    goal: 'p99 of the receiver within 1.2× of a bare start at the same rate',
    measured:
      atRates.length === 0
        ? 'not measured (needs 1 with 5 on SQLite, or 2 with 5 on PostgreSQL)'
        : atRates
            .map(
              (ratio) =>
                `${backendName(ratio.backend)} ${ratio.load}: ${ratio.ratio}× (${ratio.receiverP99} vs ${ratio.bareStartP99} ms${ratio.comparable ? '' : ', fell behind'})`,
            )
            .join('; '),
    met: comparable.length === 0 ? undefined : comparable.every((ratio) => ratio.ratio <= 1.2),
  });
  const at100 = rateStep(byId.get('receiver-sqlite'), 100);
  goals.push({
    goal: 'p99 < 100 ms at 100/s on the dev server',
    measured:
      at100 === undefined
        ? 'not measured (needs variant 1 and rate 100)'
        : `p99 ${at100.latencyMs.p99} ms (${at100.throughputPerSecond}/s acknowledged${at100.keptUp ? '' : ', fell behind'})`,
    met: at100 === undefined ? undefined : at100.latencyMs.p99 < 100 && at100.keptUp,
  });
  const postgres = maximumStep(byId.get('receiver-postgres'))?.throughputPerSecond;
  goals.push({
    goal: 'throughput ≥ the INSERT baseline when Temporal is on PostgreSQL',
    measured:
      postgres === undefined || insert === undefined
        ? 'not measured (needs variants 2 and 3)'
        : `${postgres}/s vs ${insert}/s (${ratioOf(postgres / insert)}×)`,
    met: postgres === undefined || insert === undefined ? undefined : postgres >= insert,
  });
  return { p99VsBareStart, throughputAtMaximum, scaling: scalingRatios, goals };
}

// ---- Markdown ----

function ms(value: number): string {
  // autocannon (the closed loop) reports whole milliseconds: 0 is under one.
  if (value === 0) return '<1';
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

/** † marks a step the variant did not keep up with. */
function marked(step: StepResult): string {
  return step.keptUp ? step.label : `${step.label} †`;
}

function errors(step: StepResult): string {
  const entries = Object.entries(step.errors);
  return entries.length === 0 ? '0' : entries.map(([key, count]) => `${count} × ${key}`).join(', ');
}

function cpu(step: StepResult, role: string): string {
  const usage = step.usage[role];
  return usage === undefined ? '—' : `${Math.round(usage.cpuPercent)} %`;
}

function rss(step: StepResult, role: string): string {
  const usage = step.usage[role];
  return usage?.peakRssMiB === undefined ? '—' : `${Math.round(usage.peakRssMiB)} MiB${usage.peakIsWindowed ? '' : '*'}`;
}

function exactlyOnce(step: StepResult): string {
  const check = step.exactlyOnce;
  if (check === undefined) return '—';
  const problems = [
    ...(check.missing > 0 ? [`${check.missing} missing`] : []),
    ...(check.duplicated > 0 ? [`${check.duplicated} twice`] : []),
    ...(check.sampleFailures > 0 ? [`${check.sampleFailures} not describable`] : []),
  ];
  const extra = check.storedNotAcknowledged > 0 ? `; +${check.storedNotAcknowledged} without a 2xx` : '';
  return check.ok ? `yes (${check.acknowledged}${extra})` : `**NO** (${problems.join(', ')} of ${check.acknowledged})`;
}

/** Numbers right-aligned: every column but the first, unless `textColumns` says otherwise. */
function table(header: string[], rows: string[][], textColumns = 1): string {
  const rule = header.map((_cell, index) => (index < textColumns ? '---' : '---:')).join('|');
  const cell = (value: string): string => value.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `|${rule}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

/** The highest fixed rate that kept up and whose follow-up caught up (undefined when none was measured). */
export function sustainedRate(steps: readonly StepResult[]): { rate: number | null; measured: boolean } {
  const fixed = steps.filter((step) => step.load.kind === 'rate' && step.caughtUpSeconds !== undefined);
  const rates = fixed
    .filter((step) => step.keptUp && step.caughtUpSeconds !== null)
    .map((step) => (step.load.kind === 'rate' ? step.load.rate : 0));
  return { rate: rates.length === 0 ? null : Math.max(...rates), measured: fixed.length > 0 };
}

function caughtUp(step: StepResult, limit: number): string {
  if (step.caughtUpSeconds === undefined) return '—';
  return step.caughtUpSeconds === null ? `not within ${limit} s` : `${step.caughtUpSeconds} s`;
}

function variantSection(variant: VariantResult, catchUpSeconds: number): string {
  const lines = [`### ${variant.number}. ${variant.title}`, '', variant.summary, ''];
  for (const [key, value] of Object.entries(variant.info)) lines.push(`- ${key}: ${value}`);
  lines.push('');
  if (variant.steps.length > 0) {
    lines.push(
      table(
        [
          'offered load',
          'sent',
          'acknowledged/s',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'errors',
          'receiver CPU',
          'receiver peak RSS',
          'exactly once',
        ],
        variant.steps.map((step) => [
          marked(step),
          String(step.sent),
          String(step.throughputPerSecond),
          ms(step.latencyMs.p50),
          ms(step.latencyMs.p90),
          ms(step.latencyMs.p99),
          ms(step.latencyMs.max),
          errors(step),
          cpu(step, 'receiver'),
          rss(step, 'receiver'),
          exactlyOnce(step),
        ]),
      ),
      '',
      table(
        [
          'offered load',
          'worker CPU',
          'worker peak RSS',
          'Temporal CPU',
          'PostgreSQL CPU',
          'load generator CPU',
          'machine busy',
          'backlog after',
          'follow-up caught up',
          'send lag p99 ms',
          'quiet wait before',
        ],
        variant.steps.map((step) => [
          marked(step),
          cpu(step, 'worker'),
          rss(step, 'worker'),
          cpu(step, 'temporal'),
          cpu(step, 'postgres'),
          step.usage.generator === undefined ? 'in the receiver' : cpu(step, 'generator'),
          `${Math.round(step.machineBusyPercent)} %`,
          step.backlogAfter === undefined ? '—' : String(step.backlogAfter),
          caughtUp(step, catchUpSeconds),
          step.scheduleLagMs === undefined ? '—' : ms(step.scheduleLagMs.p99),
          `${step.settledBeforeSeconds} s`,
        ]),
      ),
      '',
    );
  }
  const sustained = sustainedRate(variant.steps);
  if (sustained.measured)
    lines.push(
      sustained.rate === null
        ? `**Sustained rate:** none of the fixed rates tried (the follow-up did not catch up within ${catchUpSeconds} s after any step that kept up).`
        : `**Sustained rate:** ${sustained.rate}/s, the highest fixed rate tried whose acknowledgements kept up and whose follow-up caught up within ${catchUpSeconds} s after the step.`,
      '',
    );
  if (variant.steps.some((step) => !step.keptUp))
    lines.push(
      '† fell behind: at a fixed rate, under 99 % of the events sent were acknowledged or under 90 % of the rate; in the closed loop, under 99 % of the answers were 2xx.',
      '',
    );
  if (variant.error !== undefined) lines.push(`**Stopped early:** ${variant.error}`, '');
  return lines.join('\n');
}

function goalMark(goal: Goal): string {
  return goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'not met';
}

export function renderReport(results: BenchResults): string {
  const { machine, options, analysis } = results;
  const out: string[] = [];
  out.push(`# Benchmark ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC${options.quick ? ' (quick run)' : ''}`, '');
  out.push(
    `\`${results.command}\` — ${Math.floor(results.wallSeconds / 60)} min ${results.wallSeconds % 60} s. Each step ${options.durationSeconds} s; fixed rates ${options.rates.join(', ')}/s, then the closed-loop maximum with ${options.connections} connections; ` +
      `every request a distinct event (${options.eventTypes.join(', ')} in turn), signed as Osigu signs. Receiver and worker log at \`${options.logLevel}\`. ` +
      'A benchmark asserts nothing about time: the goals below are reported, not enforced.',
    '',
  );
  if (!results.exactlyOnceOk)
    out.push('**An acknowledged event was not found exactly once: see the tables. This is a correctness failure.**', '');

  out.push('## Machine', '');
  const servers = Object.entries(machine.temporalServers).map(([kind, version]) => `${kind}: ${version}`);
  const load = machine.loadAverage;
  out.push(
    table(
      ['', ''],
      [
        ['CPU', `${machine.cpuModel}, nproc ${machine.nproc}`],
        ['Memory', `${machine.memoryGiB} GiB`],
        ['OS', `${machine.os}, kernel ${machine.kernel}`],
        ['Node', machine.node],
        ['Temporal', [machine.temporalCli, ...servers].filter((part) => part !== undefined).join('; ') || 'not started'],
        ['PostgreSQL', machine.postgres ?? 'not used'],
        [
          'Packages',
          Object.entries(machine.packages)
            .map(([name, version]) => `${name} ${version}`)
            .join(', '),
        ],
        [
          'Commit',
          machine.git === undefined
            ? 'unknown'
            : `${machine.git.commit}${machine.git.uncommittedChanges ? ' with uncommitted changes' : ''}`,
        ],
        ['Load average (1, 5, 15 min)', `${load.atStart.join(', ')} at the start; ${load.atEnd?.join(', ') ?? '?'} at the end`],
      ],
      2,
    ),
    '',
  );
  if ((load.atStart[0] ?? 0) > machine.nproc * 0.5) {
    out.push(`The machine was already busy when the run began (load ${load.atStart[0]} on ${machine.nproc} cores): figures are noisy.`, '');
  }

  out.push('## Goals (reported, not asserted)', '');
  out.push(
    table(
      ['goal', 'measured', ''],
      analysis.goals.map((goal) => [goal.goal, goal.measured, goalMark(goal)]),
      3,
    ),
    '',
  );

  out.push('## Ratios', '');
  if (analysis.p99VsBareStart.length > 0) {
    out.push(
      'p99 latency of our receiver over a bare `client.workflow.start` at the same offered load, on the same kind of Temporal (1.00 = HTTP costs nothing):',
      '',
    );
    out.push(
      table(
        ['backend', 'offered load', 'receiver p99 ms', 'bare start p99 ms', 'ratio', ''],
        analysis.p99VsBareStart.map((ratio) => [
          ratio.backend === 'sqlite' ? 'dev server (SQLite)' : 'PostgreSQL',
          ratio.load,
          ms(ratio.receiverP99),
          ms(ratio.bareStartP99),
          `${ratio.ratio}×`,
          ratio.comparable ? '' : 'one fell behind: compares queues',
        ]),
      ),
      '',
    );
  }
  if (analysis.throughputAtMaximum.length > 0) {
    out.push('Acknowledged events per second at the closed-loop maximum, and as a fraction of the baselines:', '');
    const ratio = (value: number | undefined): string => (value === undefined ? '—' : `${value}×`);
    out.push(
      table(
        ['variant', 'acknowledged/s', 'vs 3 (INSERT)', 'vs 4 (verify-only)', 'vs 5 (bare start, same Temporal)'],
        analysis.throughputAtMaximum.map((row) => [
          `${row.number}. ${row.title}`,
          String(row.perSecond),
          ratio(row.vsInsertBaseline),
          ratio(row.vsVerifyOnly),
          ratio(row.vsBareStart),
        ]),
      ),
      '',
    );
  }

  out.push('## Variants', '');
  for (const variant of results.variants) out.push(variantSection(variant, options.catchUpSeconds));
  if (results.skipped.length > 0) {
    out.push('### Not run', '');
    for (const skipped of results.skipped) out.push(`- **${skipped.number}. ${skipped.title}**: ${skipped.reason.split('\n').join(' ')}`);
    out.push('');
  }

  out.push('## Scaling: receivers and workers on one Temporal dev server', '');
  if (results.scaling.length === 0) out.push(results.scalingSkipped ?? 'Not run.', '');
  else {
    out.push(
      `Variant 1 at the closed-loop maximum (${options.connections} connections), the receivers behind one port (node:cluster), each configuration on a fresh dev server. ` +
        `On ${machine.nproc} cores the load generator, the receivers, the workers and Temporal all share the same CPUs.`,
      '',
    );
    out.push(
      table(
        [
          'receivers × workers',
          'acknowledged/s',
          'vs 1 × 1',
          'p50 ms',
          'p99 ms',
          'errors',
          'receivers CPU',
          'workers CPU',
          'Temporal CPU',
          'machine busy',
          'exactly once',
        ],
        results.scaling.map((point) => {
          const ratio = analysis.scaling.find((row) => row.receivers === point.receivers && row.workers === point.workers)?.vsOneByOne;
          const step = point.step;
          if (step === undefined)
            return [`${point.receivers} × ${point.workers}`, `failed: ${point.error ?? '?'}`, '', '', '', '', '', '', '', '', ''];
          return [
            `${point.receivers} × ${point.workers}`,
            String(step.throughputPerSecond),
            ratio === undefined ? '—' : `${ratio}×`,
            ms(step.latencyMs.p50),
            ms(step.latencyMs.p99),
            errors(step),
            cpu(step, 'receiver'),
            cpu(step, 'worker'),
            cpu(step, 'temporal'),
            `${Math.round(step.machineBusyPercent)} %`,
            exactlyOnce(step),
          ];
        }),
      ),
      '',
    );
  }

  out.push('## Reading this report', '');
  out.push(
    [
      '- **Offered load.** `N/s`: an open loop, one event every 1/N s, evenly spaced, whatever the answers (at most ' +
        `${options.maxInFlight} outstanding; *send lag* shows when that bound or a busy generator held sends back). ` +
        '`max (C conn.)`: a closed loop, C callers each sending again as soon as answered: the throughput ceiling.',
      '- **Latency** is each acknowledged answer’s own time, from send to answer, exact percentiles over all of them (errors are counted, not timed). ' +
        'Fixed rates are paced by the bench itself; the closed loop is `runLoad` (autocannon), which reports the same way when no rate is set.',
      '- **acknowledged/s**: 2xx answers (for a bare start: started or already there) per second of the step.',
      '- **CPU** is the processes’ utime + stime over the step, in percent of one core (200 % = both cores of a 2-core machine); ' +
        '**peak RSS** is VmHWM, reset at the step’s start (`*`: could not be reset, so over the process’s life). PostgreSQL’s CPU covers every `postgres` process on the machine. ' +
        '**machine busy** is all cores, everything running, from /proc/stat: other work on the machine shows there.',
      '- **Exactly once** (1, 2, 5 and 3): every acknowledged event_id is looked up afterwards, by `WorkflowId STARTS_WITH` in Temporal’s visibility (a sample also described) ' +
        'or in the baseline’s table; “yes (N)”: all N acknowledged found, each once. Any missing or twice is a correctness failure and the run exits 1. An event stored without a 2xx is allowed: a start that reached Temporal after its deadline (answered 503, Osigu retries), or one still in flight when the closed loop stopped.',
      '- **backlog after**: workflow and activity tasks still waiting for a worker when the step ended: a worker that does not keep up with the offered rate. ' +
        `Before each step the run waits until the servers are quiet and that backlog is empty, at most ${options.settleSeconds} s (**quiet wait before**; ` +
        'at the cap, the step began while earlier work was still draining).',
      `- **follow-up caught up** (fixed rates, variants with a worker): seconds from the step’s end until no task waited and every event the step sent had been handed to its entity (its event workflow closed), polled every 0.5 s; “not within ${options.catchUpSeconds} s” past \`--catch-up\`. ` +
        'The **sustained rate** is the highest fixed rate that kept up and caught up: the rate at which the follow-up, not only the acknowledgement, keeps pace.',
      '- Load generator, receivers, workers, Temporal and PostgreSQL share this machine’s cores; every figure includes that contention, as a single-host deployment would.',
    ].join('\n'),
    '',
  );
  out.push('![p99 latency by offered rate](chart.svg)', '');
  return out.join('\n');
}
