/**
 * What npm run bench prints: narrow tables and wrapped sentences that fit a terminal of WIDTH columns. Figures are
 * rounded to fit (stats.ts compact); the written report (details.ts) keeps them precise, with what does not fit here.
 */
import type { ByKind } from './proc.ts';
import type { Summary } from './phases.ts';
import type { BenchResult, Level } from './report.ts';
import { cell, compact, table, WIDTH, wrap } from './stats.ts';

/** A level's phases that ran, named as the tables name them. */
export function phasesOf(level: Level): [string, Summary][] {
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
export function kindsCell(n: ByKind, withBroker: boolean, format: (value: number) => string = compact): string {
  return `${format(n.node)}/${format(n.postgres)}${withBroker ? `/${format(n.broker)}` : ''}`;
}

/** The stack has a NATS server too: its figures get a place of their own. */
export const withBrokerOf = (levels: Level[]) => levels.some((level) => level.streamshop.usage.cpuSeconds.broker > 0);

const rowsOf = (levels: Level[], cells: (s: Summary) => string[]) =>
  levels.flatMap((level) => phasesOf(level).map(([name, s]) => [`${name} c=${level.concurrency}`, ...cells(s)]));

function latencyTable(levels: Level[]): string[] {
  const d = (s: Summary['latencyToFinalMs']) => [compact(s.p50), compact(s.p95), compact(s.p99), compact(s.max)];
  const rows = rowsOf(levels, (s) => [cell(s.throughput), ...d(s.latencyToFinalMs), ...d(s.latencyToLetterMs)]);
  return [
    wrap('orders/s, and latency in ms: to the final status, and to the letter (from sending POST /orders to its createdAt)'),
    '',
    table(['', 'orders/s', 'final p50', 'p95', 'p99', 'max', 'letter p50', 'p95', 'p99', 'max'], rows, WIDTH),
  ];
}

function shareTable(levels: Level[]): string[] {
  const percent = (r: number) => `${(r * 100).toFixed(1)} %`;
  const rows = levels.flatMap((level) => {
    if (level.throughputRatio === undefined) return [];
    const ratios = level.rounds?.map((round) => round.ratio) ?? [];
    const basis = ratios.length
      ? `median of ${ratios.length} rounds (${percent(Math.min(...ratios))} to ${percent(Math.max(...ratios))})`
      : level.floorBefore && level.floor
        ? `the floors ${drift(level.floorBefore, level.floor)} apart`
        : '';
    return [[`c=${level.concurrency}`, percent(level.throughputRatio), basis]];
  });
  if (rows.length === 0) return [];
  return [
    '',
    wrap("streamshop's share of the floor: its orders/s over the mean of the floor's just before and just after it"),
    '',
    table(['', 'share', 'from'], rows, WIDTH),
  ];
}

/** How far apart the two floors of a level are, as a share of their mean. */
const drift = (a: Summary, b: Summary) => `${Math.round((Math.abs(a.throughput - b.throughput) / ((a.throughput + b.throughput) / 2)) * 100)} %`;

function usageTable(levels: Level[], withBroker: boolean): string[] {
  const rows = rowsOf(levels, (s) => {
    const u = s.usage;
    return [kindsCell(u.cpuSeconds, withBroker), cell(s.cpuMsPerOrder, 2), `${compact(u.peakRssMb.node)}/${compact(u.peakRssMb.postgresPss)}`, compact(u.cpuSeconds.load), compact(u.cpuSeconds.other), String(s.errors)];
  });
  const by = withBroker ? 'node/pg/nats' : 'node/pg';
  return [
    '',
    'CPU and memory',
    '',
    table(['', `cpu s ${by}`, 'cpu ms/order', 'rss MB node/pg', 'load s', 'other s', 'err'], rows, WIDTH),
    wrap(
      `cpu s: CPU seconds of the Node.js processes / PostgreSQL${withBroker ? ' / NATS' : ''}; rss: peak memory, PostgreSQL's as PSS ` +
        'summed over its processes; load s, other s: CPU seconds of the load process and of every other process; err: requests that failed',
    ),
  ];
}

/**
 * Context switches and read/write calls per order, by kind of process: counts that move far less than seconds with
 * how fast the machine is that hour, so a change that does less work can show here when orders/s cannot tell.
 */
function workTable(levels: Level[], withBroker: boolean): string[] {
  const rows = rowsOf(levels, (s) => [kindsCell(s.perOrder.contextSwitches, withBroker), kindsCell(s.perOrder.systemCalls, withBroker)]);
  const by = withBroker ? 'node/pg/nats' : 'node/pg';
  return [
    '',
    'work per order (counts, not time):',
    '',
    table(['', `context switches ${by}`, `read/write calls ${by}`], rows, WIDTH),
    wrap("(read() and write() as /proc counts them: Node.js and NATS do their socket I/O with those; PostgreSQL uses send/recv, so its figure is its file I/O only)"),
  ];
}

/**
 * What four commits cost apart from the messaging: the floor in four transactions against the floor just before it
 * (the last round's), and streamshop, which makes the same four commits and its messaging besides, against it.
 */
function fourCommitsTable(levels: Level[]): string[] {
  const percent = (a: number, b: number | undefined) => (b ? `${((a / b) * 100).toFixed(1)} %` : '-');
  const rows = levels.flatMap((level) => {
    const four = level.floorInFourCommits;
    return four ? [[`c=${level.concurrency}`, percent(four.throughput, level.lastFloor), percent(level.streamshop.throughput, four.throughput)]] : [];
  });
  if (rows.length === 0) return [];
  return ['', 'the floor in four commits (its figures are the rows "floor, 4 commits" above)', '', table(['', 'of the floor just before it', "streamshop's share of it"], rows, WIDTH)];
}

function stageTable(levels: Level[]): string[] {
  const stageNames = Object.keys(levels[0]?.streamshop.stagesMs ?? {});
  if (!stageNames.length) return [];
  const rows = stageNames.map((name) => [
    name,
    ...levels.map((l) => {
      const d = l.streamshop.stagesMs[name];
      // Each figure padded to compact's five characters, so that the slashes line up.
      return d ? `${compact(d.p50).padStart(5)} / ${compact(d.p95).padStart(5)}` : '-';
    }),
  ]);
  return [
    '',
    wrap('streamshop: what each stage adds (server timestamps, ms, p50 / p95; payment stages from paid orders only)'),
    '',
    table(['stage', ...levels.map((l) => `c=${l.concurrency}`)], rows, WIDTH),
    wrap(`drain after load (ms): ${levels.map((l) => `c=${l.concurrency}: ${l.streamshop.drainMs ?? '-'}`).join(', ')}`),
  ];
}

/** The sentences after the tables: the token check, memory, traces, the messaging tables. */
function notes(result: BenchResult): string[] {
  const { levels } = result;
  const perOrder = levels[0]?.streamshop.cpuMsPerOrder;
  const m = result.peakRssMb;
  const processes = Object.entries(m.streamshop.processes).map(([label, mb]) => `${label} ${mb}`);
  const { before, after } = result.messagingTableRows;
  return [
    '',
    `authentication (no database): a token's first check (Ed25519 signature and claims) costs ${result.tokenCheck.firstMicros} µs of CPU` +
      (perOrder ? ` (${((result.tokenCheck.firstMicros / 1000 / perOrder) * 100).toFixed(1)} % of streamshop's ${perOrder} ms per order at c=${levels[0]?.concurrency})` : '') +
      `, each later request with the same token ${result.tokenCheck.repeatMicros} µs` +
      (levels.some((l) => l.floorWithAuth) ? '; floor+auth is the floor with that check in front' : ' (--auth-cost also runs the floor with it)'),
    `peak memory (MB): streamshop node ${m.streamshop.node} (VmHWM), its PostgreSQL ${m.streamshop.postgresPss} (PSS); ` +
      `floor node ${m.floor.node}, its PostgreSQL ${m.floor.postgresPss}; load process ${m.load}`,
    ...(processes.length ? [`streamshop's processes, peak VmRSS (MB): ${processes.join(', ')}`] : []),
    ...(result.spansExported !== undefined ? [`traces: ${result.spansExported} spans exported to the receiver (OTLP/HTTP)`] : []),
    `messaging tables (rows kept, all services; retention removes them as they age): ${Object.keys(after)
      .map((name) => `${name} ${before[name] ?? 0} → ${after[name]}`)
      .join(', ')}`,
  ].map((line) => wrap(line, WIDTH, '  '));
}

/** The whole summary, every line at most WIDTH columns. */
export function summaryLines(result: BenchResult): string[] {
  const { levels, checks } = result;
  const withBroker = withBrokerOf(levels);
  const otherCores = Math.max(...levels.flatMap((l) => [l.streamshop.usage.otherCores, l.floorBefore?.usage.otherCores ?? 0, l.floor?.usage.otherCores ?? 0]));
  const heading =
    `streamshop vs the floor${result.noisy ? ` — NOISY: other processes kept up to ${otherCores} cores busy while we measured` : ''} ` +
    `(${result.machine.cores} cores, load average ${result.machine.loadavgAtEnd.join(' ')})`;
  const lines = [
    '',
    wrap(heading),
    '',
    ...latencyTable(levels),
    ...shareTable(levels),
    ...usageTable(levels, withBroker),
    ...workTable(levels, withBroker),
    ...fourCommitsTable(levels),
    ...notes(result),
    ...stageTable(levels),
    '',
    'correctness',
    '',
    ...checks.map((check) => wrap(`  ${check.ok ? 'ok  ' : check.fatal ? 'FAIL' : 'warn'}  ${check.name} — ${check.detail}`, WIDTH, '        ')),
  ];
  return lines.join('\n').split('\n');
}
