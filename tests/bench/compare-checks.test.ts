/**
 * Which figures of npm run compare fail the run (exit 1) and which are only reported: money not conserved, an order
 * charged twice, and a letter missing in a style that keeps its letters fail it; the http style's lost letters, as
 * long as they are counted, do not. Built from made-up figures (no system is run here).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checksOf } from '../../bench/compare/checks.ts';
import type { Measures } from '../../bench/compare/measures.ts';
import type { StyleResult } from '../../bench/compare/topology-run.ts';
import { distribution } from '../../bench/stats.ts';

const clean: Measures = {
  orders: 100,
  affected: 10,
  accepted: 10,
  answered5xx: 0,
  failedOther: 0,
  finalLater: 10,
  rejectedByOutage: 0,
  neverFinal: 0,
  chargedTwice: 0,
  leftCharged: 0,
  accountsOff: 0,
  lettersMissing: 0,
  lettersDuplicated: 0,
  lettersLostMetric: 0,
  lettersLate: 0,
  letterDelayMs: distribution([10, 20]),
  latencyMs: distribution([10, 20]),
  retried: 2,
  retriedChargedTwice: 0,
  dueToTimeOut: 0,
  timedOutOnTime: 0,
  timedOutLate: 0,
  timeoutOverrunMs: distribution([]),
  settled: true,
  settleMs: 100,
  examples: [],
};

function result(style: StyleResult['style'], phase: Partial<Measures>): StyleResult {
  const steady = { rounds: [100], throughput: 100, latencyMs: distribution([10]), cpuMsPerOrder: 1, errors: 0, answeredPending: 0, otherCores: 0 };
  return { style, topology: 'embedded', startMs: 1, steady, phases: { steady: clean, 'notifications paused': { ...clean, ...phase } } };
}

const failedFatal = (results: StyleResult[]) => checksOf(results).filter((c) => c.fatal && !c.ok).map((c) => c.name);

describe('the comparison’s correctness checks', () => {
  test('when every figure is clean, then no check fails', () => {
    assert.deepEqual(checksOf(['events', 'http', 'hybrid', 'saga'].map((style) => result(style as StyleResult['style'], {}))).filter((c) => !c.ok), []);
  });

  test('when an account does not add up or an order is charged twice, then the run fails, in any style', () => {
    for (const style of ['events', 'http'] as const) {
      assert.deepEqual(failedFatal([result(style, { accountsOff: 1 })]), [`${style} (embedded) notifications paused: money conserved`]);
      assert.deepEqual(failedFatal([result(style, { chargedTwice: 1 })]), [`${style} (embedded) notifications paused: no order charged twice`]);
    }
  });

  test('when a style that keeps its letters loses one, then the run fails; when the http style loses counted ones, then it does not', () => {
    assert.deepEqual(failedFatal([result('hybrid', { lettersMissing: 1 })]), ['hybrid (embedded) notifications paused: every final order has its letter']);
    assert.deepEqual(failedFatal([result('http', { lettersMissing: 30, lettersLostMetric: 30 })]), []);
  });

  test('when orders stay pending, stay charged, or a lost letter goes uncounted, then it is reported, not failed', () => {
    const checks = checksOf([result('http', { neverFinal: 2, leftCharged: 1, lettersMissing: 3, lettersLostMetric: 1, settled: false })]);
    assert.deepEqual(checks.filter((c) => c.fatal && !c.ok), []);
    assert.equal(checks.filter((c) => !c.fatal && !c.ok).length, 4);
  });
});
