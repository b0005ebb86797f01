/**
 * Made-up bench figures far wider than a real run's, for the tests that check the bench's tables fit a terminal
 * whatever the figures (no bench is run).
 */
import type { Summary } from '../../bench/phases.ts';

export const WIDE = 1234567.8;
const distribution = { n: 123456, p50: WIDE, p95: WIDE, p99: WIDE, max: WIDE, mean: WIDE };
const kinds = { node: WIDE, postgres: WIDE, broker: WIDE };

export function summary(concurrency: number): Summary {
  return {
    concurrency,
    orders: 12345678,
    completed: 12345678,
    throughput: 123456.7,
    errors: 1234567,
    answeredPending: 0,
    latencyToFinalMs: distribution,
    latencyToLetterMs: distribution,
    stagesMs: Object.fromEntries(['sent → created', 'created → payment decided', 'payment decided → final', 'final → letter'].map((name) => [name, distribution])),
    usage: {
      cpuSeconds: { ...kinds, load: WIDE, machine: WIDE, other: WIDE },
      contextSwitches: kinds,
      systemCalls: kinds,
      wallSeconds: 10,
      machineBusyCores: 2,
      otherCores: 1.5,
      peakRssMb: { node: WIDE, nodeHighWater: WIDE, postgresPss: WIDE, load: WIDE, processes: {} },
    },
    cpuMsPerOrder: 12345.67,
    perOrder: { contextSwitches: kinds, systemCalls: kinds },
    drainMs: 1234567,
  };
}
