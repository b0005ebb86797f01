/** The result of a run, as written to bench-results/<timestamp>.json, and the table printed on stdout. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { latencyChart } from './chart.ts';
import type { Options } from './options.ts';
import type { ByKind } from './proc.ts';
import type { Round, Summary } from './phases.ts';
import { cell, table } from './stats.ts';
import type { Check } from './streamshop.ts';

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

/** How far apart the two floors of a level are, as a share of their mean. */
const driftOf = (a: Summary, b: Summary) => `${Math.round((Math.abs(a.throughput - b.throughput) / ((a.throughput + b.throughput) / 2)) * 100)} %`;

export function printReport(result: BenchResult, levels: Level[], checks: Check[]): void {
  const rows: string[][] = [];
  // The stack has a NATS server too: its CPU gets a column of its own.
  const withBroker = levels.some((level) => level.streamshop.usage.cpuSeconds.broker > 0);
  for (const level of levels) {
    for (const [name, s] of phasesOf(level)) {
      const u = s.usage;
      rows.push([
        `${name} c=${level.concurrency}`,
        cell(s.throughput),
        cell(s.latencyToFinalMs.p50),
        cell(s.latencyToFinalMs.p95),
        cell(s.latencyToFinalMs.p99),
        cell(s.latencyToFinalMs.max),
        cell(s.latencyToLetterMs.p50),
        cell(s.latencyToLetterMs.p95),
        cell(s.latencyToLetterMs.p99),
        cell(s.latencyToLetterMs.max),
        kindsCell(u.cpuSeconds, withBroker),
        cell(s.cpuMsPerOrder, 2),
        `${cell(u.peakRssMb.node, 0)}/${cell(u.peakRssMb.postgresPss, 0)}`,
        cell(u.cpuSeconds.load),
        cell(u.cpuSeconds.other),
        String(s.errors),
      ]);
    }
    if (level.throughputRatio !== undefined) {
      const percent = (r: number) => `${(r * 100).toFixed(1)} %`;
      const drift = level.rounds
        ? ` (median of ${level.rounds.length} rounds: ${level.rounds.map((round) => percent(round.ratio)).join(', ')})`
        : level.floorBefore && level.floor
          ? ` (floors ${driftOf(level.floorBefore, level.floor)} apart)`
          : '';
      rows.push([`  ratio c=${level.concurrency}${drift}`, `${(level.throughputRatio * 100).toFixed(1)}%`, ...Array(14).fill('')]);
    }
  }
  const otherCores = Math.max(...levels.flatMap((l) => [l.streamshop.usage.otherCores, l.floorBefore?.usage.otherCores ?? 0, l.floor?.usage.otherCores ?? 0]));
  console.log(
    `\nstreamshop vs the floor${result.noisy ? ` — NOISY: other processes kept up to ${otherCores} cores busy while we measured` : ''} ` +
      `(${result.machine.cores} cores, load average ${result.machine.loadavgAtEnd.join(' ')})\n`,
  );
  console.log(
    table(
      ['', 'orders/s', 'final p50', 'p95', 'p99', 'max', 'letter p50', 'p95', 'p99', 'max', withBroker ? 'cpu s node/pg/nats' : 'cpu s node/pg', 'cpu ms/order', 'rss MB node/pg', 'load cpu s', 'other cpu s', 'err'],
      rows,
    ),
  );
  console.log('\nlatencies in ms; "letter" = from sending POST /orders to the letter\'s createdAt; pg memory is PSS summed over its processes');
  printWorkPerOrder(levels, withBroker);
  const perOrder = levels[0]?.streamshop.cpuMsPerOrder;
  console.log(
    `authentication (no database): a token's first check (Ed25519 signature and claims) costs ${result.tokenCheck.firstMicros} µs of CPU` +
      (perOrder ? ` (${((result.tokenCheck.firstMicros / 1000 / perOrder) * 100).toFixed(1)} % of streamshop's ${perOrder} ms per order at c=${levels[0]?.concurrency})` : '') +
      `, each later request with the same token ${result.tokenCheck.repeatMicros} µs` +
      (levels.some((l) => l.floorWithAuth) ? '; floor+auth is the floor with that check in front' : ' (--auth-cost also runs the floor with it)'),
  );
  printFourCommits(levels);
  const m = result.peakRssMb;
  console.log(
    `peak memory (MB): streamshop node ${m.streamshop.node} (VmHWM), its PostgreSQL ${m.streamshop.postgresPss} (PSS); ` +
      `floor node ${m.floor.node}, its PostgreSQL ${m.floor.postgresPss}; load process ${m.load}`,
  );
  for (const [label, mb] of Object.entries(m.streamshop.processes)) console.log(`  streamshop process ${label}: ${mb} MB (peak VmRSS)`);
  if (result.spansExported !== undefined) console.log(`traces: ${result.spansExported} spans exported to the receiver (OTLP/HTTP)`);
  const { before, after } = result.messagingTableRows;
  console.log(
    `messaging tables (rows kept, all services; retention removes them as they age): ${Object.keys(after)
      .map((table) => `${table} ${before[table] ?? 0} → ${after[table]}`)
      .join(', ')}`,
  );

  const stageNames = Object.keys(levels[0]?.streamshop.stagesMs ?? {});
  if (stageNames.length) {
    console.log('\nstreamshop: what each stage adds (server timestamps, ms, p50 / p95; payment stages from paid orders only)\n');
    console.log(
      table(
        ['stage', ...levels.map((l) => `c=${l.concurrency}`)],
        stageNames.map((name) => [
          name,
          ...levels.map((l) => {
            const d = l.streamshop.stagesMs[name];
            return d ? `${cell(d.p50)} / ${cell(d.p95)}` : '-';
          }),
        ]),
      ),
    );
    console.log(`drain after load (ms): ${levels.map((l) => `c=${l.concurrency}: ${l.streamshop.drainMs ?? '-'}`).join(', ')}`);
  }

  console.log('\ncorrectness\n');
  for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : check.fatal ? 'FAIL' : 'warn'}  ${check.name} — ${check.detail}`);
}

/**
 * What four commits cost apart from the messaging: the floor in four transactions against the floor just before it
 * (the last round's), and streamshop, which makes the same four commits and its messaging besides, against it.
 */
function printFourCommits(levels: Level[]): void {
  for (const level of levels) {
    const four = level.floorInFourCommits;
    if (!four) continue;
    const percent = (a: number, b: number | undefined) => (b ? `${((a / b) * 100).toFixed(1)} %` : '-');
    console.log(
      `the floor in four commits c=${level.concurrency}: ${cell(four.throughput)} orders/s, ${cell(four.cpuMsPerOrder, 2)} ms CPU per order: ` +
        `${percent(four.throughput, level.lastFloor)} of the floor just before it; streamshop's ${cell(level.streamshop.throughput)} orders/s are ` +
        `${percent(level.streamshop.throughput, four.throughput)} of it`,
    );
  }
}

/** A level's phases that ran, named as the tables name them. */
function phasesOf(level: Level): [string, Summary][] {
  const named: [string, Summary | undefined][] = [
    ['floor before', level.floorBefore],
    ['streamshop', level.streamshop],
    ['floor after', level.floor],
    ['floor+auth', level.floorWithAuth],
    ['floor, 4 commits', level.floorInFourCommits],
  ];
  return named.flatMap(([name, s]) => (s ? [[name, s] as [string, Summary]] : []));
}

/** node/pg, or node/pg/nats when the stack's broker ran. */
function kindsCell(n: ByKind, withBroker: boolean): string {
  return `${cell(n.node)}/${cell(n.postgres)}${withBroker ? `/${cell(n.broker)}` : ''}`;
}

/**
 * Context switches and read/write calls per order, by kind of process: counts that move far less than seconds with
 * how fast the machine is that hour, so a change that does less work can show here when orders/s cannot tell.
 */
function printWorkPerOrder(levels: Level[], withBroker: boolean): void {
  const rows = levels.flatMap((level) =>
    phasesOf(level).map(([name, s]) => [
      `${name} c=${level.concurrency}`,
      kindsCell(s.perOrder.contextSwitches, withBroker),
      kindsCell(s.perOrder.systemCalls, withBroker),
    ]),
  );
  const by = withBroker ? 'node/pg/nats' : 'node/pg';
  console.log(`\nwork per order (counts, not time):\n`);
  console.log(table(['', `context switches ${by}`, `read/write calls ${by}`], rows));
  console.log("(read() and write() as /proc counts them: Node.js and NATS do their socket I/O with those; PostgreSQL uses send/recv, so its figure is its file I/O only)");
}

/** Writes the result as JSON and its latency chart as SVG into the output folder. */
export async function writeResult(result: BenchResult, options: Options, stamp: string): Promise<{ jsonPath: string; svgPath: string }> {
  await mkdir(options.out, { recursive: true });
  const jsonPath = join(options.out, `${stamp}.json`);
  const svgPath = join(options.out, `${stamp}.svg`);
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
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
  return { jsonPath, svgPath };
}
