/** One load phase against one target, and what it measured. */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadMessage, LoadPlan, OrderRecord } from './load.ts';
import type { Child } from './processes.ts';
import { type ByKind, byKind } from './proc.ts';
import { progress } from './progress.ts';
import { type Distribution, distribution } from './stats.ts';
import type { Check, OrderTimes } from './streamshop.ts';
import { startUsageSampler, type Usage } from './usage-sampler.ts';

export interface Phase {
  target: 'floor before' | 'streamshop' | 'floor' | 'floor+auth' | 'floor, 4 commits' | `peer ${string}`;
  concurrency: number;
  records: OrderRecord[];
  usage: Usage;
  wallStart: number;
  /** streamshop: ms after the load ended until every event was handled */
  drainMs?: number;
}


/** Runs one load process against a target; the caller stops the usage sampler (after the target has drained). */
export function runLoad(
  loads: Set<ChildProcess>,
  target: Child,
  label: string,
  plan: LoadPlan,
): Promise<{ done: LoadMessage & { type: 'done' }; sampler: ReturnType<typeof startUsageSampler> }> {
  return new Promise((resolveRun, reject) => {
    const child = fork(join(import.meta.dirname, 'load.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    loads.add(child);
    const sampler = startUsageSampler(target.pid);
    const total = (plan.warmupMs + plan.durationMs) / 1000;
    let result: (LoadMessage & { type: 'done' }) | undefined;
    child.on('message', (message: LoadMessage) => {
      if (message.type === 'progress') {
        const elapsed = message.elapsedMs / 1000;
        const rate = elapsed > 0 ? message.completed / elapsed : 0;
        progress(
          `[${label}] ${Math.min(elapsed, total).toFixed(1)}/${total.toFixed(1)} s  ${message.completed} orders  ` +
            `~${rate.toFixed(0)}/s  ${message.inFlight} in flight  ${message.errors} errors`,
        );
      } else {
        result = message;
      }
    });
    child.once('exit', (code) => {
      loads.delete(child);
      if (!result) {
        sampler.stop({ cpuSeconds: 0, maxRssKb: 0 });
        return reject(new Error(`load process exited with code ${code} without results`));
      }
      resolveRun({ done: result, sampler });
    });
    child.send(plan);
  });
}

export function peakByProcess(samples: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of samples) for (const [label, mb] of Object.entries(sample)) out[label] = Math.max(out[label] ?? 0, mb);
  return out;
}

export interface Summary {
  concurrency: number;
  orders: number;
  completed: number;
  throughput: number;
  errors: number;
  answeredPending: number;
  latencyToFinalMs: Distribution;
  latencyToLetterMs: Distribution;
  stagesMs: Record<string, Distribution>;
  usage: Usage;
  cpuMsPerOrder: number;
  /** context switches and read/write system calls per order, by kind of process */
  perOrder: { contextSwitches: ByKind; systemCalls: ByKind };
  drainMs?: number;
}

export function summarise(phase: Phase, durationS: number, times?: Map<string, OrderTimes>): Summary {
  const ok = phase.records.filter((r) => r.http === 201 && r.orderId);
  const measured = ok.filter((r) => r.sentInWindow && r.status !== 'pending');
  const completed = ok.filter((r) => r.doneInWindow && r.status !== 'pending').length;
  const stage = (pick: (r: OrderRecord, t: OrderTimes) => number | undefined) =>
    distribution(
      measured.flatMap((r) => {
        const t = times?.get(r.orderId as string);
        const v = t && pick(r, t);
        return v === undefined ? [] : [v];
      }),
    );
  // streamshop: until the letter's createdAt (read from the API); the floor stores its letter in the
  // order's own transaction, so the letter is there when the answer is.
  const letterLatency = times ? stage((r, t) => (t.letter === undefined ? undefined : t.letter - r.sentAt)) : distribution(measured.map((r) => r.latencyMs));
  const cpu = phase.usage.cpuSeconds.node + phase.usage.cpuSeconds.postgres + phase.usage.cpuSeconds.broker;
  const perOrder = (counts: ByKind): ByKind =>
    byKind((kind) => (phase.records.length ? Math.round((counts[kind] / phase.records.length) * 10) / 10 : Number.NaN));
  return {
    concurrency: phase.concurrency,
    orders: phase.records.length,
    completed,
    throughput: Math.round((completed / durationS) * 10) / 10,
    errors: phase.records.length - ok.length,
    answeredPending: ok.filter((r) => r.status === 'pending').length,
    latencyToFinalMs: distribution(measured.map((r) => r.latencyMs)),
    latencyToLetterMs: letterLatency,
    stagesMs: times
      ? {
          'sent → created': stage((r, t) => t.created - r.sentAt),
          'created → payment decided': stage((_, t) => (t.decided === undefined ? undefined : t.decided - t.created)),
          'payment decided → final': stage((_, t) => (t.decided === undefined ? undefined : t.final - t.decided)),
          'created → final': stage((_, t) => t.final - t.created),
          'final → answered': stage((r, t) => r.sentAt + r.latencyMs - t.final),
          'final → letter': stage((_, t) => (t.letter === undefined ? undefined : t.letter - t.final)),
        }
      : {},
    usage: phase.usage,
    cpuMsPerOrder: phase.records.length ? Math.round((cpu / phase.records.length) * 1e5) / 100 : Number.NaN,
    perOrder: { contextSwitches: perOrder(phase.usage.contextSwitches), systemCalls: perOrder(phase.usage.systemCalls) },
    ...(phase.drainMs !== undefined ? { drainMs: Math.round(phase.drainMs) } : {}),
  };
}

/** Peak memory of each target over every phase. */
export function peakMemoryOf(phases: Phase[]) {
  const peak = (targets: Phase['target'][], pick: (u: Usage) => number) =>
    phases.filter((p) => targets.includes(p.target)).reduce((m, p) => Math.max(m, pick(p.usage)), 0);
  // Its phases before and after streamshop are one floor process.
  const floor: Phase['target'][] = ['floor before', 'floor'];
  return {
    streamshop: {
      node: peak(['streamshop'], (u) => u.peakRssMb.nodeHighWater),
      postgresPss: peak(['streamshop'], (u) => u.peakRssMb.postgresPss),
      processes: peakByProcess(phases.filter((p) => p.target === 'streamshop').map((p) => p.usage.peakRssMb.processes)),
    },
    floor: { node: peak(floor, (u) => u.peakRssMb.nodeHighWater), postgresPss: peak(floor, (u) => u.peakRssMb.postgresPss) },
    load: Math.max(peak(['streamshop'], (u) => u.peakRssMb.load), peak(floor, (u) => u.peakRssMb.load)),
  };
}

/** Several phases of one target as one: their orders together, CPU and time added up, memory at its highest. */
export function mergePhases(phases: Phase[]): Phase {
  const [first] = phases as [Phase];
  if (phases.length === 1) return first;
  const usages = phases.map((p) => p.usage);
  const sum = (pick: (u: Usage) => number) => Math.round(usages.reduce((total, u) => total + pick(u), 0) * 100) / 100;
  const max = (pick: (u: Usage) => number) => Math.max(...usages.map(pick));
  const wallSeconds = sum((u) => u.wallSeconds);
  const cpuSeconds = Object.fromEntries(
    Object.keys(first.usage.cpuSeconds).map((kind) => [kind, sum((u) => u.cpuSeconds[kind as keyof Usage['cpuSeconds']])]),
  ) as Usage['cpuSeconds'];
  const counts = (pick: (u: Usage) => ByKind): ByKind => byKind((kind) => sum((u) => pick(u)[kind]));
  const drains = phases.flatMap((p) => (p.drainMs === undefined ? [] : [p.drainMs]));
  return {
    ...first,
    records: phases.flatMap((p) => p.records),
    usage: {
      cpuSeconds,
      contextSwitches: counts((u) => u.contextSwitches),
      systemCalls: counts((u) => u.systemCalls),
      wallSeconds,
      machineBusyCores: Math.round((cpuSeconds.machine / wallSeconds) * 100) / 100,
      otherCores: Math.round((cpuSeconds.other / wallSeconds) * 100) / 100,
      peakRssMb: {
        node: max((u) => u.peakRssMb.node),
        nodeHighWater: max((u) => u.peakRssMb.nodeHighWater),
        postgresPss: max((u) => u.peakRssMb.postgresPss),
        load: max((u) => u.peakRssMb.load),
        processes: peakByProcess(usages.map((u) => u.peakRssMb.processes)),
      },
    },
    ...(drains.length > 0 ? { drainMs: Math.max(...drains) } : {}),
  };
}

/** One round of a level: streamshop's orders/s, the floor's just before and just after it, and their ratio. */
export interface Round {
  streamshop: number;
  floors: [number, number];
  ratio: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const ratio = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Per concurrency level: streamshop's summary, the floor's just before the first round and after every round, and
 * the ratio of streamshop's throughput to the floor's. A round's ratio is against the mean of the floor just before
 * and just after it: a machine whose speed drifts moves both, and their mean is what streamshop met on average. With
 * several rounds (--rounds) the level's ratio is the median of the rounds', and the summaries pool the rounds.
 */
export function levelsOf(concurrencies: number[], phases: Phase[], durationS: number, times: Map<string, OrderTimes>) {
  return concurrencies.map((concurrency) => {
    const all = (target: Phase['target']) => phases.filter((p) => p.target === target && p.concurrency === concurrency);
    const pooled = (target: Phase['target'], withTimes?: Map<string, OrderTimes>) => {
      const of = all(target);
      return of.length > 0 ? summarise(mergePhases(of), durationS * of.length, withTimes) : undefined;
    };
    const rounds = all('streamshop');
    const streamshop = pooled('streamshop', times) as Summary;
    const [floorBefore, floor, floorWithAuth, floorInFourCommits] = [pooled('floor before'), pooled('floor'), pooled('floor+auth'), pooled('floor, 4 commits')];
    // Each round between the floor just before it and the one just after it.
    const floors = [...all('floor before'), ...all('floor')].map((p) => summarise(p, durationS).throughput);
    const paired: Round[] =
      floors.length === rounds.length + 1
        ? rounds.map((round, i) => {
            const around: [number, number] = [floors[i] as number, floors[i + 1] as number];
            const throughput = summarise(round, durationS).throughput;
            return { streamshop: throughput, floors: around, ratio: ratio(throughput / ((around[0] + around[1]) / 2)) };
          })
        : [];
    const throughputRatio = paired.length > 0 ? ratio(median(paired.map((round) => round.ratio))) : undefined;
    return {
      concurrency,
      streamshop,
      ...(floorBefore ? { floorBefore } : {}),
      ...(floor ? { floor } : {}),
      ...(throughputRatio !== undefined ? { throughputRatio } : {}),
      ...(paired.length > 1 ? { rounds: paired } : {}),
      ...(floorWithAuth ? { floorWithAuth } : {}),
      ...(floorInFourCommits ? { floorInFourCommits } : {}),
      ...(floors.length > 0 ? { lastFloor: floors.at(-1) as number } : {}),
    };
  });
}

/** The floor's correctness, straight from its database, against what the load placed. */
export async function checkFloor(url: string, records: OrderRecord[]): Promise<Check[]> {
  const v = (await (await fetch(`${url}/verify`)).json()) as Record<string, number>;
  const placed = records.filter((r) => r.http === 201).length;
  const unexpected = records.filter((r) => r.http === 201 && r.status !== (r.affordable ? 'paid' : 'rejected')).length;
  return [
    { name: 'floor: every request answered 201', ok: placed === records.length, detail: `${records.length - placed} failed`, fatal: true },
    { name: 'floor: orders stored = orders placed', ok: v.orders === placed, detail: `${v.orders} stored, ${placed} placed`, fatal: true },
    { name: 'floor: outcomes as expected', ok: unexpected === 0, detail: `${unexpected} unexpected`, fatal: true },
    { name: 'floor: ledger payment lines = paid orders', ok: v.payments === v.paid && v.paid_without_payment === 0, detail: `${v.payments} lines, ${v.paid} paid`, fatal: true },
    { name: 'floor: money conserved per account', ok: v.unbalanced === 0, detail: `${v.unbalanced} accounts disagree`, fatal: true },
    { name: 'floor: one letter per order', ok: v.orders_without_one_letter === 0, detail: `${v.orders_without_one_letter} wrong`, fatal: true },
  ];
}
