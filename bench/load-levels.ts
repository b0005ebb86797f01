/**
 * The load of a run: every concurrency level against each target in turn, one load process (bench/load.ts) per
 * phase, the floor just before and just after each round of streamshop so that a round is compared with the floor
 * the machine gave at that time.
 */
import type { ChildProcess } from 'node:child_process';
import type { LoadPlan } from './load.ts';
import type { Options } from './options.ts';
import { type Phase, runLoad } from './phases.ts';
import type { Child } from './processes.ts';
import { progress } from './progress.ts';
import { type BenchUser, drain } from './streamshop.ts';
import { PRICES } from './targets.ts';

/** Every concurrency level against each target in turn; a phase of streamshop lasts until the events it caused are handled. */
export async function loadEveryLevel(
  options: Options,
  loads: Set<ChildProcess>,
  { system, systemUsers, ordersUrls }: { system: Child; systemUsers: BenchUser[]; ordersUrls: string[] },
  floorSide: { floor: Child; floorUsers: BenchUser[] } | undefined,
): Promise<Phase[]> {
  const floor = floorSide?.floor;
  const floorUsers = floorSide?.floorUsers ?? [];
  const phases: Phase[] = [];
  for (const concurrency of options.concurrency) {
    // The floor just before and just after each round of streamshop: a round's ratio is against their mean (see levelsOf).
    const floorPhase = { name: 'floor', child: floor, path: '/orders', users: floorUsers, urls: undefined } as const;
    const targets = [
      { ...floorPhase, name: 'floor before', round: 1 },
      ...Array.from({ length: options.rounds }, (_, i) => [
        { name: 'streamshop', child: system, path: '/orders', users: systemUsers, urls: ordersUrls, round: i + 1 } as const,
        { ...floorPhase, round: i + 1 },
      ]).flat(),
      { name: 'floor+auth', child: options.authCost ? floor : undefined, path: '/checked/orders', users: floorUsers, urls: undefined, round: 1 },
      { name: 'floor, 4 commits', child: options.fourCommits ? floor : undefined, path: '/four-commits/orders', users: floorUsers, urls: undefined, round: 1 },
    ] as const;
    for (const { name, child: target, path, users, urls, round } of targets) {
      if (!target) continue;
      const label = `${name} c=${concurrency}${options.rounds > 1 && (name === 'streamshop' || name === 'floor') ? ` round ${round}/${options.rounds}` : ''}`;
      progress(`[${label}] load…`, true);
      const plan: LoadPlan = {
        urls: urls ?? [target.url + path],
        users,
        concurrency,
        warmupMs: options.warmupS * 1000,
        durationMs: options.durationS * 1000,
        unaffordableShare: options.unaffordableShare,
        ...PRICES,
        seed: options.seed + concurrency,
      };
      const wallStart = Date.now();
      const { done, sampler } = await runLoad(loads, target, label, plan);
      let drainMs: number | undefined;
      if (target === system) {
        // The CPU of the events the load caused counts too: the sampler runs until they are handled.
        progress(`[${label}] waiting until every event is handled…`, true);
        drainMs = await drain(system.url);
      }
      const usage = sampler.stop(done);
      const phase: Phase = { target: name, concurrency, records: done.records, usage, wallStart };
      if (drainMs !== undefined) phase.drainMs = drainMs;
      phases.push(phase);
    }
  }
  return phases;
}
