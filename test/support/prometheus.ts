/*
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line
 * must be a HELP, a TYPE, a comment or a sample, every sample must belong to a family with a TYPE,
 * and histograms must be well formed. prom-client writes the format but has no parser.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name → counter, gauge, histogram, summary or untyped. */
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// NaN and Inf in any case, as Prometheus reads them (Go's ParseFloat); prom-client writes "Nan".
const VALUE = String.raw`[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[nN][aA][nN]|[iI][nN][fF])`;
const SAMPLE_LINE = new RegExp(String.raw`^(${NAME})(?:\{(.*)\})? (${VALUE})(?: (-?\d+))?$`);
const LABEL_PAIR = new RegExp(String.raw`^(${LABEL})="((?:[^"\\\n]|\\[\\"n])*)"(,|$)`);
const HELP_LINE = new RegExp(String.raw`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(String.raw`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = LABEL_PAIR.exec(rest);
    if (match === null) throw new Error(`malformed labels in: ${line}`);
    const [whole, name = '', raw = ''] = match;
    if (name in labels) throw new Error(`label ${name} repeated in: ${line}`);
    labels[name] = raw.replace(/\\(["\\n])/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    rest = rest.slice(whole.length);
  }
  return labels;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return undefined;
}

export function parsePrometheusText(text: string): Exposition {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const helpMatch = HELP_LINE.exec(line);
      const typeMatch = TYPE_LINE.exec(line);
      if (helpMatch) help.set(helpMatch[1] ?? '', helpMatch[2] ?? '');
      else if (typeMatch) {
        if (types.has(typeMatch[1] ?? '')) throw new Error(`TYPE given twice: ${line}`);
        types.set(typeMatch[1] ?? '', typeMatch[2] ?? '');
      } else if (line.startsWith('# HELP') || line.startsWith('# TYPE')) throw new Error(`malformed: ${line}`);
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name = '', labelText, valueText = ''] = match;
    if (familyOf(name, types) === undefined) throw new Error(`sample before (or without) its TYPE: ${line}`);
    const lower = valueText.toLowerCase();
    const value = lower.endsWith('inf')
      ? lower.startsWith('-')
        ? -Infinity
        : Infinity
      : lower.endsWith('nan')
        ? Number.NaN
        : Number(valueText);
    samples.push({ name, labels: labelText === undefined ? {} : parseLabels(labelText, line), value });
  }
  checkHistograms(samples, types);
  return { samples, types, help };
}

/** Each histogram series: cumulative buckets ending in +Inf, and +Inf equal to _count. */
function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      let previous = -Infinity;
      for (const bucket of buckets) {
        if (bucket.value < previous) throw new Error(`${family}${key}: buckets not cumulative`);
        previous = bucket.value;
      }
      const last = buckets[buckets.length - 1];
      if (last?.labels.le !== '+Inf') throw new Error(`${family}${key}: last bucket is not +Inf`);
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(s.labels) === key);
      if (count?.value !== last.value) throw new Error(`${family}${key}: +Inf bucket differs from _count`);
    }
  }
}

/** The value of the one sample with this name and exactly these labels; 0 when absent. */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const sample = exposition.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted);
  return sample?.value ?? 0;
}

/** Every series of one sample name, keyed by its labels (as `k=v,k=v`, sorted). */
export function seriesOf(exposition: Exposition, name: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const sample of exposition.samples.filter((s) => s.name === name)) {
    const key = Object.entries(sample.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    series.set(key, sample.value);
  }
  return series;
}

/** The series whose value changed between two scrapes, with the change. */
export function changes(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const delta = (after.get(key) ?? 0) - (before.get(key) ?? 0);
    if (delta !== 0) moved[key] = delta;
  }
  return moved;
}

export async function scrape(origin: string): Promise<Exposition> {
  const response = await fetch(`${origin}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain') || !type.includes('version=0.0.4')) throw new Error(`unexpected content type ${type}`);
  return parsePrometheusText(await response.text());
}
