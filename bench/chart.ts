/** p99 latency by offered rate, one line per variant: a small hand-written SVG (log scale). */
import type { VariantResult } from './results';

const COLORS: Record<string, string> = {
  'receiver-sqlite': '#1f77b4',
  'receiver-postgres': '#d62728',
  'insert-baseline': '#2ca02c',
  'verify-only': '#7f7f7f',
  'bare-start-sqlite': '#17becf',
  'bare-start-postgres': '#ff7f0e',
};

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(variants: readonly VariantResult[]): string | undefined {
  const series = variants
    .map((variant) => ({
      variant,
      points: variant.steps.flatMap((step) =>
        step.load.kind === 'rate' && step.acknowledged > 0
          ? [{ rate: step.load.rate, p99: Math.max(step.latencyMs.p99, 0.1), keptUp: step.keptUp }]
          : [],
      ),
    }))
    .filter((line) => line.points.length > 0);
  if (series.length === 0) return undefined;

  const rates = [...new Set(series.flatMap((line) => line.points.map((point) => point.rate)))].sort((a, b) => a - b);
  const values = series.flatMap((line) => line.points.map((point) => point.p99));
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...values))));

  const width = 760;
  const height = 420;
  const left = 64;
  const right = 250;
  const top = 40;
  const bottom = 56;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (rate: number): number => left + (rates.length === 1 ? plotWidth / 2 : (rates.indexOf(rate) / (rates.length - 1)) * plotWidth);
  const y = (value: number): number => top + plotHeight - ((Math.log10(value) - low) / (high - low)) * plotHeight;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">p99 latency by offered rate (ms, log scale)</text>`,
  ];
  for (let power = low; power <= high; power += 1) {
    for (const factor of [1, 2, 5]) {
      const value = factor * 10 ** power;
      if (Math.log10(value) > high) continue;
      const position = y(value);
      parts.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${position}" y2="${position}" stroke="${factor === 1 ? '#ccc' : '#eee'}"/>`,
      );
      parts.push(`<text x="${left - 6}" y="${position + 4}" text-anchor="end" fill="#555">${value >= 1 ? value : value.toFixed(1)}</text>`);
    }
  }
  for (const rate of rates) {
    parts.push(`<line x1="${x(rate)}" x2="${x(rate)}" y1="${top}" y2="${top + plotHeight}" stroke="#eee"/>`);
    parts.push(`<text x="${x(rate)}" y="${top + plotHeight + 18}" text-anchor="middle" fill="#555">${rate}/s</text>`);
  }
  parts.push(`<text x="${left + plotWidth / 2}" y="${height - 14}" text-anchor="middle">offered rate (events per second)</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`);

  series.forEach(({ variant, points }, index) => {
    const color = COLORS[variant.id] ?? '#000';
    const path = points.map((point) => `${x(point.rate).toFixed(1)},${y(point.p99).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const point of points) {
      const fill = point.keptUp ? color : 'white';
      parts.push(
        `<circle cx="${x(point.rate).toFixed(1)}" cy="${y(point.p99).toFixed(1)}" r="3.5" fill="${fill}" stroke="${color}" stroke-width="1.5"/>`,
      );
    }
    const legendY = top + 14 + index * 22;
    parts.push(
      `<line x1="${left + plotWidth + 16}" x2="${left + plotWidth + 40}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="3"/>`,
    );
    parts.push(`<text x="${left + plotWidth + 46}" y="${legendY}">${escape(`${variant.number}. ${variant.id}`)}</text>`);
  });
  const noteY = top + 14 + series.length * 22 + 10;
  parts.push(`<circle cx="${left + plotWidth + 28}" cy="${noteY - 4}" r="3.5" fill="white" stroke="#555" stroke-width="1.5"/>`);
  parts.push(`<text x="${left + plotWidth + 46}" y="${noteY}" fill="#555">fell behind the rate</text>`);
  parts.push('</svg>', '');
  return parts.join('\n');
}
