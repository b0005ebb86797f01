/**
 * What one phase costs a target: its process tree sampled from /proc (bench/proc.ts) while the phase runs, summed
 * up as the CPU seconds, counts and peak memory of a Usage.
 */
import { type ByKind, byKind, descendants, machineBusySeconds, nodeProcessesRssKb, pssKb, statusKb, treeUsage } from './proc.ts';

export interface Usage {
  cpuSeconds: { node: number; postgres: number; broker: number; load: number; machine: number; other: number };
  /** counts over the phase, by kind of process: they vary far less with the machine's speed than CPU seconds */
  contextSwitches: ByKind;
  systemCalls: ByKind;
  wallSeconds: number;
  /** the machine's cores kept busy on average, by anyone */
  machineBusyCores: number;
  /** cores kept busy on average by processes that are neither the target nor the load: the noise */
  otherCores: number;
  peakRssMb: { node: number; nodeHighWater: number; postgresPss: number; load: number; processes: Record<string, number> };
}

/**
 * Samples a target (Node.js root + its PostgreSQL tree) while a phase runs: CPU as the difference
 * between the first and the last reading, memory as the highest reading. The load process reports
 * its own CPU and memory (it may be gone by the time the phase is summed up).
 */
export function startUsageSampler(target: number, intervalMs = 1_000) {
  const startedAt = performance.now();
  const first = { tree: treeUsage(target), machine: machineBusySeconds() };
  const peak = { node: 0, postgres: 0 };
  const processes = new Map<string, number>();
  // Once a second, one pass over /proc: the sampling takes its CPU from the same two cores as what it measures.
  const sample = () => {
    peak.node = Math.max(peak.node, statusKb(target, 'VmRSS'));
    const tree = descendants(target);
    for (const [label, kb] of nodeProcessesRssKb(tree)) processes.set(label, Math.max(processes.get(label) ?? 0, kb));
    const postgres = tree.filter((s) => s.comm === 'postgres');
    peak.postgres = Math.max(peak.postgres, postgres.reduce((sum, s) => sum + pssKb(s.pid), 0));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop(load: { cpuSeconds: number; maxRssKb: number }): Usage {
      clearInterval(timer);
      sample();
      const last = treeUsage(target);
      const tree = last.cpu;
      const seconds = (performance.now() - startedAt) / 1000;
      const node = tree.node - first.tree.cpu.node;
      const postgres = tree.postgres - first.tree.cpu.postgres;
      const broker = tree.broker - first.tree.cpu.broker;
      // A backend that ended meanwhile takes its counts with it: never below zero.
      const delta = (pick: (u: ReturnType<typeof treeUsage>) => ByKind): ByKind =>
        byKind((kind) => Math.max(0, pick(last)[kind] - pick(first.tree)[kind]));
      const machine = machineBusySeconds() - first.machine;
      const other = Math.max(0, machine - node - postgres - broker - load.cpuSeconds);
      const mb = (kb: number) => Math.round(kb / 102.4) / 10;
      return {
        cpuSeconds: {
          node: round(node),
          postgres: round(postgres),
          broker: round(broker),
          load: round(load.cpuSeconds),
          machine: round(machine),
          other: round(other),
        },
        contextSwitches: delta((u) => u.contextSwitches),
        systemCalls: delta((u) => u.systemCalls),
        wallSeconds: round(seconds),
        machineBusyCores: round(machine / seconds),
        otherCores: round(other / seconds),
        peakRssMb: {
          node: mb(peak.node),
          nodeHighWater: mb(statusKb(target, 'VmHWM')),
          postgresPss: mb(peak.postgres),
          load: mb(load.maxRssKb),
          processes: Object.fromEntries([...processes].map(([label, kb]) => [label, mb(kb)])),
        },
      };
    },
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
