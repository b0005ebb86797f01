export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of a sample, in the sample's unit, rounded to 0.1. */
export function distribution(values: number[]): Distribution {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  const at = (p: number) => (n === 0 ? Number.NaN : (sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] as number));
  const mean = n === 0 ? Number.NaN : sorted.reduce((a, b) => a + b, 0) / n;
  return { n, p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(at(100)), mean: r(mean) };
}

const r = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : v);

/** A number for a table cell: "-" when there is nothing to show. */
export function cell(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}

/** The terminal the bench's summary is written for: every line fits it. */
export const WIDTH = 100;

/**
 * A number for a narrow cell, at most five characters: one decimal below 100, whole numbers below 100 000, then
 * powers of ten ("2e5"). The written report keeps the precise figures.
 */
export function compact(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  const size = Math.abs(value);
  if (size < 100) return value.toFixed(1);
  if (size < 100_000) return value.toFixed(0);
  return value.toExponential(0).replace('+', '');
}

/**
 * A fixed-width text table, the first column left-aligned and the others right-aligned. Wider than `maxWidth`,
 * its columns are split over several tables one under the other, each repeating the first column, so that no
 * line is longer than `maxWidth` (unless the first column and one other are already longer).
 */
export function table(header: string[], rows: string[][], maxWidth = Number.POSITIVE_INFINITY): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const groups: number[][] = [];
  for (let i = 1; i < header.length; i++) {
    const last = groups.at(-1);
    const used = last ? last.reduce((sum, c) => sum + 2 + (widths[c] ?? 0), widths[0] ?? 0) : 0;
    if (last && used + 2 + (widths[i] ?? 0) <= maxWidth) last.push(i);
    else groups.push([i]);
  }
  const render = (columns: number[]) => {
    const line = (cells: string[]) =>
      [0, ...columns]
        .map((c) => (c === 0 ? (cells[0] ?? '').padEnd(widths[0] ?? 0) : (cells[c] ?? '').padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd();
    return [line(header), [0, ...columns].map((c) => '-'.repeat(widths[c] ?? 0)).join('  '), ...rows.map(line)].join('\n');
  };
  return (groups.length > 0 ? groups : [[]]).map(render).join('\n\n');
}

/** Text broken into lines of at most `width` columns at spaces; lines after the first start with `indent`. */
export function wrap(text: string, width = WIDTH, indent = ''): string {
  const lines: string[] = [];
  let line: string | undefined;
  for (const word of text.split(' ')) {
    if (line === undefined) line = word;
    else if (line.trim() !== '' && line.length + 1 + word.length > width) {
      lines.push(line.trimEnd());
      line = indent + word;
    } else line = `${line} ${word}`;
  }
  lines.push((line ?? '').trimEnd());
  return lines.join('\n');
}
