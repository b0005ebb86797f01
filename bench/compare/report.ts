/**
 * What a comparison writes: styles-comparison.md (the table, the legend, the checks), styles-comparison.svg (orders/s
 * against latency, a colour per style) and benchmarks/styles-comparison.json (every figure) in the output folder.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChartSeries, latencyChart } from '../chart.ts';
import type { Check } from '../streamshop.ts';
import { legend } from './legend.ts';
import type { Machine } from './machine.ts';
import { type CompareOptions, type Plan, USAGE } from './options.ts';
import { markdownTables, tablesOf } from './tables.ts';
import type { StyleResult } from './topology-run.ts';

export interface CompareResult {
  startedAt: string;
  durationS: number;
  mode: 'full' | 'quick';
  /** the command that made it */
  command: string;
  machine: Machine & { loadavgAtEnd: number[] };
  plan: Plan;
  results: StyleResult[];
  checks: Check[];
  passed: boolean;
}

export const FILES = { report: 'styles-comparison.md', chart: 'styles-comparison.svg', json: join('benchmarks', 'styles-comparison.json') };

const COLOURS: Record<string, string> = { http: '#d62728', hybrid: '#ff7f0e', events: '#1f77b4', saga: '#2ca02c' };

function chart(result: CompareResult): string {
  const series: ChartSeries[] = ['http', 'hybrid', 'events', 'saga'].flatMap((style) => {
    const points = result.results
      .filter((r) => r.style === style)
      .map((r) => ({ throughput: r.steady.throughput, p50: r.steady.latencyMs.p50, p99: r.steady.latencyMs.p99, label: r.topology }));
    return points.length > 0 ? [{ name: style, color: COLOURS[style] as string, points }] : [];
  });
  const subtitle = `${result.startedAt.slice(0, 10)}, ${result.mode} run, ${result.plan.clients} clients, ${result.machine.cores} cores (${result.machine.cpu})`;
  const note = series.some((one) => one.points.length > 1) ? 'labels: topology; lines join a style’s two' : 'labels: topology';
  return latencyChart(series, 'interaction styles: latency to the final status against orders/s', subtitle, note);
}

const minutes = (seconds: number) => (seconds < 120 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`);

/**
 * The hand-written reading of the figures, between these markers, is kept when the report is written again: the
 * figures are the command's, what they mean is a person's (who should re-read it against the new ones).
 */
const READING = { open: '<!-- reading: written by hand, kept when the report is written again -->', close: '<!-- /reading -->' };

async function readingOf(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const from = text.indexOf(READING.open);
  const to = text.indexOf(READING.close, from);
  return from >= 0 && to > from ? [text.slice(from, to + READING.close.length), ''] : [];
}

const topologiesOf = (result: CompareResult) => {
  const names = [...new Set(result.results.map((r) => r.topology))].map((t) => (t === 'embedded' ? 'the embedded default' : 'the stack'));
  return names.join(' and ');
};

function howToRun(): string[] {
  return [
    '## How to run it',
    '',
    'From the repository root, with nothing else heavy running on the machine (the figures are per machine):',
    '',
    '```',
    USAGE,
    '```',
    '',
    'It prints a line per phase on stderr and the tables on stdout, and exits 1 when a fatal correctness check fails.',
    '',
  ];
}

function markdown(result: CompareResult, reading: string[]): string {
  const { machine: m } = result;
  const failed = result.checks.filter((c) => !c.ok);
  const fatal = failed.filter((c) => c.fatal);
  return [
    '# The four interaction styles, compared by measurement',
    '',
    `The same business process in each style of [architecture.md](architecture.md#four-ways-to-build-the-same-process), on ${topologiesOf(result)}, one after another in one run of \`${result.command}\`.`,
    '',
    `- **date**: ${result.startedAt} (the run took ${minutes(result.durationS)})`,
    `- **machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB of memory; Node.js ${m.node}; load average ${m.loadavgAtStart.join(' ')} at the start, ${m.loadavgAtEnd.join(' ')} at the end`,
    `- **mode**: ${result.mode}`,
    `- **raw figures**: [${FILES.json}](${FILES.json}); to measure again: \`${result.command}\` (about as long again; nothing else heavy on the machine meanwhile)`,
    '',
    ...markdownTables(tablesOf(result.results, result.plan)),
    `![orders/s against latency to the final status, per style and topology](${FILES.chart})`,
    '',
    ...reading,
    ...howToRun(),
    ...legend(result.plan, { quick: result.mode === 'quick', stack: result.results.some((r) => r.topology === 'stack') }),
    '',
    '## Correctness',
    '',
    fatal.length === 0
      ? `Every fatal check held (money conserved, no order charged twice, no letter lost by a style that keeps its letters), in every phase of every style and topology: ${result.checks.filter((c) => c.fatal).length} checks.`
      : `**FAILED**: ${fatal.length} fatal check(s) did not hold.`,
    ...(failed.length > 0 ? ['', ...failed.map((c) => `- ${c.fatal ? '**FAIL**' : 'warn'} ${c.name}: ${c.detail}`)] : []),
    '',
  ].join('\n');
}

export async function writeReport(result: CompareResult, options: Pick<CompareOptions, 'out'>): Promise<Record<keyof typeof FILES, string>> {
  const paths = Object.fromEntries(Object.entries(FILES).map(([key, file]) => [key, join(options.out, file)])) as Record<keyof typeof FILES, string>;
  await mkdir(join(options.out, 'benchmarks'), { recursive: true });
  await writeFile(paths.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(paths.chart, chart(result));
  await writeFile(paths.report, markdown(result, await readingOf(paths.report)));
  return paths;
}
