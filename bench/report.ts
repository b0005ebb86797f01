/**
 * The result of a run: written to bench-results/<timestamp>.json, as a latency chart (.svg) and as a text report
 * (.txt: the summary printed on stdout, then every figure at full precision); the summary is printed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { latencyChart } from './chart.ts';
import { detailLines } from './details.ts';
import type { Options } from './options.ts';
import type { Round, Summary } from './phases.ts';
import type { Check } from './streamshop.ts';
import { summaryLines } from './summary.ts';

export interface Level {
  concurrency: number;
  streamshop: Summary;
  /** the floor measured just before streamshop('s first round); `floor` is the one just after (each round, pooled) */
  floorBefore?: Summary;
  floor?: Summary;
  /** the floor with the token check in front (--auth-cost) */
  floorWithAuth?: Summary;
  /** the floor doing the order's work in four transactions one after another (--four-commits) */
  floorInFourCommits?: Summary;
  /** orders/s of the floor's last phase of the level (just before the extra phases) */
  lastFloor?: number;
  /** streamshop's throughput divided by the mean of the floor's before and after it; with rounds, the median of theirs */
  throughputRatio?: number;
  /** --rounds: each round's figures, in the order they ran */
  rounds?: Round[];
}

export interface PeakRss {
  /** node: the root process (in the stack, the stack script); processes: each Node.js process below it */
  streamshop: { node: number; postgresPss: number; processes: Record<string, number> };
  floor: { node: number; postgresPss: number };
  load: number;
}

export interface BenchResult {
  startedAt: string;
  /** every fatal correctness check held */
  passed: boolean;
  /** other processes used more than a tenth of a core while we measured */
  noisy: boolean;
  machine: { cores: number; loadavgAtEnd: number[]; node: string };
  options: Omit<Options, 'out'>;
  setup: Record<string, unknown>;
  levels: Level[];
  peakRssMb: PeakRss;
  checks: Check[];
  warnings: { streamshop: string[]; floor: string[] };
  /** CPU µs of a token check, measured in the bench process: a token's first (signature and claims), and later ones */
  tokenCheck: { firstMicros: number; repeatMicros: number };
  /** --traces: the spans the services sent to the receiver */
  spansExported?: number;
  /** Rows kept per messaging table over the four services, before the load and once its events were handled */
  messagingTableRows: { before: Record<string, number>; after: Record<string, number> };
  cpuProfileDir?: string;
}

/** Prints the summary: tables and sentences that fit a terminal of 100 columns (the written report has the rest). */
export function printReport(result: BenchResult): void {
  console.log(summaryLines(result).join('\n'));
}

/** Writes the result as JSON, its latency chart as SVG and the text report into the output folder. */
export async function writeResult(result: BenchResult, options: Options, stamp: string): Promise<{ jsonPath: string; svgPath: string; reportPath: string }> {
  await mkdir(options.out, { recursive: true });
  const [jsonPath, svgPath, reportPath] = ['json', 'svg', 'txt'].map((extension) => join(options.out, `${stamp}.${extension}`)) as [string, string, string];
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(reportPath, `${[...summaryLines(result), '', ...detailLines(result)].join('\n')}\n`);
  const pointsOf = (pick: (level: Level) => Summary | undefined) =>
    result.levels.flatMap((l) => {
      const s = pick(l);
      return s ? [{ throughput: s.throughput, p50: s.latencyToFinalMs.p50, p99: s.latencyToFinalMs.p99, label: `c=${l.concurrency}` }] : [];
    });
  const series = [
    { name: 'streamshop', color: '#d62728', points: pointsOf((l) => l.streamshop) },
    ...(options.floor ? [{ name: 'floor', color: '#1f77b4', points: pointsOf((l) => l.floor) }] : []),
  ];
  const subtitle = `${stamp}, ${options.durationS} s per level, ${result.machine.cores} cores${result.noisy ? ', NOISY machine' : ''}`;
  await writeFile(svgPath, latencyChart(series, 'streamshop vs the floor: latency to final status against throughput', subtitle));
  return { jsonPath, svgPath, reportPath };
}
