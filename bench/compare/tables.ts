/**
 * The comparison's table, a row per style × topology, split by experiment: as text for the terminal (each line
 * within WIDTH, by stats.ts table) and as Markdown for docs/styles-comparison.md.
 */
import { compact, table, WIDTH } from '../stats.ts';
import type { Measures } from './measures.ts';
import type { Plan } from './options.ts';
import type { StyleResult } from './topology-run.ts';

export interface TableSpec {
  title: string;
  header: string[];
  rows: string[][];
}

const STYLE_NUMBER: Record<string, number> = { http: 1, hybrid: 2, events: 3, saga: 4 };
const rowName = (r: StyleResult) => `${STYLE_NUMBER[r.style]} ${r.style} ${r.topology}`;
const n = (value: number | undefined) => (value === undefined ? '-' : String(value));
const money = (m: Measures) => (m.accountsOff === 0 ? 'ok' : `${m.accountsOff} off`);
const s = (ms: number) => `${ms / 1000} s`;

function outageColumns(m: Measures | undefined): string[] {
  if (!m) return [];
  return [m.affected, m.accepted, m.answered5xx, m.finalLater, m.rejectedByOutage, m.neverFinal, m.chargedTwice, m.leftCharged]
    .map(n)
    .concat(money(m), compact(m.latencyMs.p99));
}
const OUTAGE_HEADER = ['in outage', 'accepted', '5xx', 'final later', 'rejected', 'never final', 'charged 2x', 'left charged', 'money', 'p99 ms'];

/** Rows in the order of the architecture document's styles (1 http … 4 saga), each with its topologies. */
function rowsOf(results: StyleResult[], cells: (r: StyleResult) => string[] | undefined): string[][] {
  const ordered = [...results].sort((a, b) => (STYLE_NUMBER[a.style] ?? 0) - (STYLE_NUMBER[b.style] ?? 0) || a.topology.localeCompare(b.topology));
  return ordered.flatMap((r) => {
    const row = cells(r);
    return row && row.length > 0 ? [[rowName(r), ...row]] : [];
  });
}

export function tablesOf(results: StyleResult[], plan: Plan): TableSpec[] {
  const phase = (r: StyleResult, name: string) => r.phases[name];
  const tables: TableSpec[] = [
    {
      title: `steady load: ${plan.clients} closed-loop clients, ${plan.rounds} round${plan.rounds > 1 ? 's' : ''} of ${s(plan.steadyMs)} per style`,
      header: ['', 'orders/s', 'rounds', 'p50 ms', 'p99 ms', 'cpu ms/order', 'failed'],
      rows: rowsOf(results, (r) => [
        compact(r.steady.throughput),
        r.steady.rounds.length > 1 ? `${compact(Math.min(...r.steady.rounds))}-${compact(Math.max(...r.steady.rounds))}` : '-',
        compact(r.steady.latencyMs.p50),
        compact(r.steady.latencyMs.p99),
        compact(r.steady.cpuMsPerOrder),
        n(r.steady.errors),
      ]),
    },
    { title: `billing paused ${s(plan.pauseMs)} under load`, header: OUTAGE_HEADER, rows: rowsOf(results, (r) => outageColumns(phase(r, 'billing paused'))) },
    {
      title: `notifications paused ${s(plan.pauseMs)} under load`,
      header: ['orders', 'letters missing', 'counted lost', 'duplicated', `late > ${s(plan.lateLetterMs)}`, 'letter p99 ms'],
      rows: rowsOf(results, (r) => {
        const m = phase(r, 'notifications paused');
        return m && [n(m.orders), n(m.lettersMissing), n(m.lettersLostMetric), n(m.lettersDuplicated), n(m.lettersLate), compact(m.letterDelayMs.p99)];
      }),
    },
    { title: 'billing killed -9 under load, restarted at once (stack)', header: OUTAGE_HEADER, rows: rowsOf(results, (r) => outageColumns(phase(r, 'billing killed'))) },
    {
      title: `clients that give up after ${s(plan.giveUpMs)} and retry with the same Idempotency-Key`,
      header: ['retried, billing paused', 'charged 2x', 'retried, billing killed', 'charged 2x'],
      rows: rowsOf(results, (r) =>
        [phase(r, 'billing paused'), phase(r, 'billing killed')].flatMap((m) => (m ? [n(m.retried), n(m.retriedChargedTwice)] : ['-', '-'])),
      ),
    },
    {
      title: `saga: billing paused ${s(plan.sagaPauseMs)}, PAYMENT_DEADLINE ${s(plan.deadlineMs)}`,
      header: ['due to time out', 'on time', 'late', 'overrun p99 ms', 'left charged', 'never final', 'money'],
      rows: rowsOf(results, (r) => {
        const m = phase(r, 'past the deadline');
        return m && [n(m.dueToTimeOut), n(m.timedOutOnTime), n(m.timedOutLate), compact(m.timeoutOverrunMs.p99), n(m.leftCharged), n(m.neverFinal), money(m)];
      }),
    },
  ];
  // Each table's first column is the row's name: the headers above leave it out where they list measures only.
  return tables
    .map((t) => (t.header[0] === '' ? t : { ...t, header: ['', ...t.header] }))
    .filter((t) => t.rows.length > 0);
}

export function terminalTables(tables: TableSpec[]): string[] {
  return tables.flatMap((t) => ['', t.title, '', table(t.header, t.rows, WIDTH)]);
}

export function markdownTables(tables: TableSpec[]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return tables.flatMap((t) => [
    `### ${t.title}`,
    '',
    line(['style, topology', ...t.header.slice(1)]),
    line(t.header.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...t.rows.map(line),
    '',
  ]);
}
