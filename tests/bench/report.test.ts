/**
 * The bench's printed summary fits a terminal of 100 columns whatever the figures, and the written report keeps
 * what the summary rounds or leaves out. Built from a made-up result with every optional phase and figures far
 * wider than a real run's (no bench is run here).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detailLines } from '../../bench/details.ts';
import type { BenchResult, Level } from '../../bench/report.ts';
import { compact, table, WIDTH, wrap } from '../../bench/stats.ts';
import { summaryLines } from '../../bench/summary.ts';
import { summary, WIDE } from '../support/wide-bench-figures.ts';

function level(concurrency: number): Level {
  const round = { streamshop: 123456.7, floors: [123456.7, 123456.7] as [number, number], ratio: 1.234 };
  return {
    concurrency,
    streamshop: summary(concurrency),
    floorBefore: summary(concurrency),
    floor: summary(concurrency),
    floorWithAuth: summary(concurrency),
    floorInFourCommits: summary(concurrency),
    lastFloor: 123456.7,
    throughputRatio: 1.234,
    rounds: Array.from({ length: 12 }, () => round),
  };
}

const levels = [1, 8, 32, 128, 1024, 4096].map(level);
const result: BenchResult = {
  startedAt: '2026-12-02T10:00:00.000Z',
  passed: false,
  noisy: true,
  machine: { cores: 128, loadavgAtEnd: [123.45, 123.45, 123.45], node: 'v24.21.0' },
  options: {} as BenchResult['options'],
  setup: { users: 200 },
  levels,
  peakRssMb: {
    streamshop: { node: WIDE, postgresPss: WIDE, processes: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`dist/main.js orders (pid ${100000 + i})`, WIDE])) },
    floor: { node: WIDE, postgresPss: WIDE },
    load: WIDE,
  },
  checks: [
    { name: 'money conserved per account', ok: false, fatal: true, detail: `200 accounts, 3 disagree: ${Array.from({ length: 3 }, () => crypto.randomUUID()).join('; ')} …` },
    { name: 'answered final within Prefer: wait=30', ok: true, fatal: false, detail: '0 answered pending' },
  ],
  warnings: { streamshop: ['{"level":40,"msg":"a warning"}'], floor: [] },
  tokenCheck: { firstMicros: 123456.7, repeatMicros: 123456.7 },
  spansExported: 123456789,
  messagingTableRows: { before: { outbox: 1234567, inbox: 1234567, idempotency_keys: 1234567 }, after: { outbox: 12345678, inbox: 12345678, idempotency_keys: 12345678 } },
};

describe('the bench summary on a 100-column terminal', () => {
  test('every line of the summary fits, with figures far wider than a run’s', () => {
    const lines = summaryLines(result);
    const wide = lines.filter((line) => [...line].length > WIDTH);
    assert.deepEqual(wide, [], `lines over ${WIDTH} columns:\n${wide.join('\n')}`);
    for (const heading of ['orders/s, and latency in ms', 'CPU and memory', 'work per order', 'the floor in four commits', 'correctness']) {
      assert.ok(lines.some((line) => line.includes(heading)), `the summary has "${heading}"`);
    }
    assert.ok(lines.some((line) => /^floor, 4 commits c=4096\s/.test(line)), 'a row per phase and level');
  });

  test('the written report keeps the precise figures and each round the summary leaves out', () => {
    const details = detailLines(result).join('\n');
    assert.match(details, /1234567\.8/);
    assert.equal(details.match(/^c=4096 round \d+ /gm)?.length, 12);
    assert.match(details, /a warning/);
    assert.ok(summaryLines(result).some((line) => /^streamshop c=8 +123456\.7 +1e6 /.test(line)), 'the summary rounds them');
  });

  test('a table wider than the terminal is split into tables that repeat the first column', () => {
    const header = ['phase', ...Array.from({ length: 12 }, (_, i) => `column ${i}`)];
    const rows = [['streamshop c=8', ...Array.from({ length: 12 }, () => compact(WIDE))]];
    assert.ok(table(header, rows).split('\n').some((line) => line.length > WIDTH), 'the same table unsplit is too wide');
    const split = table(header, rows, WIDTH).split('\n');
    assert.ok(split.every((line) => line.length <= WIDTH));
    assert.equal(split.filter((line) => line.startsWith('streamshop c=8')).length, 2);
    assert.equal(split.filter((line) => line.includes('column 11')).length, 1, 'each column once');
  });

  test('numbers and sentences made narrow', () => {
    assert.deepEqual([0.04, 12.34, 99.94, 123.4, 99999.4, 123456, Number.NaN].map(compact), ['0.0', '12.3', '99.9', '123', '99999', '1e5', '-']);
    assert.equal(wrap('  ok    a b c', 12, '      '), '  ok    a b\n      c');
    assert.equal(wrap('short'), 'short');
  });
});
