/**
 * The part of the written report that does not fit a terminal: every figure of every phase in one wide table at
 * full precision, each round of each level, the stages with their p99, and the warnings the processes logged.
 */
import type { Summary } from './phases.ts';
import type { BenchResult } from './report.ts';
import { cell, table } from './stats.ts';
import { kindsCell, phasesOf, withBrokerOf } from './summary.ts';

function allFigures(result: BenchResult): string[] {
  const withBroker = withBrokerOf(result.levels);
  const precise = (value: number) => cell(value);
  const rows = result.levels.flatMap((level) =>
    phasesOf(level).map(([name, s]) => {
      const u = s.usage;
      const d = (x: Summary['latencyToFinalMs']) => [cell(x.p50), cell(x.p95), cell(x.p99), cell(x.max)];
      return [
        `${name} c=${level.concurrency}`,
        cell(s.throughput),
        ...d(s.latencyToFinalMs),
        ...d(s.latencyToLetterMs),
        kindsCell(u.cpuSeconds, withBroker, precise),
        cell(s.cpuMsPerOrder, 2),
        `${cell(u.peakRssMb.node, 0)}/${cell(u.peakRssMb.postgresPss, 0)}`,
        cell(u.cpuSeconds.load),
        cell(u.cpuSeconds.other),
        String(s.errors),
        String(s.orders),
        String(s.completed),
      ];
    }),
  );
  const by = withBroker ? 'node/pg/nats' : 'node/pg';
  const header = ['', 'orders/s', 'final p50', 'p95', 'p99', 'max', 'letter p50', 'p95', 'p99', 'max', `cpu s ${by}`, 'cpu ms/order', 'rss MB node/pg', 'load cpu s', 'other cpu s', 'err', 'orders', 'completed'];
  return ['every figure of every phase (latencies in ms)', '', table(header, rows)];
}

function rounds(result: BenchResult): string[] {
  const rows = result.levels.flatMap((level) =>
    (level.rounds ?? []).map((round, i) => [
      `c=${level.concurrency} round ${i + 1}`,
      cell(round.floors[0]),
      cell(round.streamshop),
      cell(round.floors[1]),
      `${(round.ratio * 100).toFixed(1)} %`,
    ]),
  );
  if (rows.length === 0) return [];
  return ['', 'each round: orders/s of the floor just before, of streamshop, of the floor just after, and the share', '', table(['', 'floor before', 'streamshop', 'floor after', 'share'], rows)];
}

function stages(result: BenchResult): string[] {
  const rows = result.levels.flatMap((level) =>
    Object.entries(level.streamshop.stagesMs).map(([name, d]) => [`${name} c=${level.concurrency}`, cell(d.p50), cell(d.p95), cell(d.p99), cell(d.max), String(d.n)]),
  );
  if (rows.length === 0) return [];
  return ['', 'streamshop: what each stage adds, ms', '', table(['', 'p50', 'p95', 'p99', 'max', 'orders'], rows)];
}

export function detailLines(result: BenchResult): string[] {
  const warnings = Object.entries(result.warnings).flatMap(([who, lines]) => lines.map((line) => `${who}: ${line}`));
  return [
    ...allFigures(result),
    ...rounds(result),
    ...stages(result),
    '',
    `options: ${JSON.stringify(result.options)}`,
    `setup: ${JSON.stringify(result.setup)}`,
    '',
    `warnings logged by the processes: ${warnings.length === 0 ? 'none' : ''}`,
    ...warnings,
  ];
}
