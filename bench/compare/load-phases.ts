/**
 * The load of a comparison phase, with the bench's load process (bench/load.ts, bench/phases.ts): steady rounds,
 * and phases during which one service is frozen or killed while the clients keep placing orders.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import type { LoadPlan } from '../load.ts';
import { type Phase, runLoad } from '../phases.ts';
import type { BenchUser } from '../streamshop.ts';
import type { FaultWindow, PhaseRun } from './measures.ts';
import type { Plan } from './options.ts';
import type { Target } from './targets.ts';

/** As the bench: every order of the affordable ones fits in the users' money, the others never do. */
export const PRICES = { affordablePrice: { min: 100, max: 10_000 }, unaffordablePrice: 1_000_000_000_000 };
export const MONEY = { deposit: 10_000_000_000, withdrawal: 1_000_000 };

export interface PhaseContext {
  target: Target;
  users: BenchUser[];
  plan: Plan;
  /** load processes running now: an interrupt stops them */
  loads: Set<ChildProcess>;
}

/** One outage: a service frozen for a while, or killed and started again at once. */
export interface FaultSpec {
  /** the phase's name in the report, e.g. "billing paused" */
  name: string;
  service: ServiceName;
  kind: 'pause' | 'kill';
  /** how long a paused service stays frozen (a killed one is restarted at once) */
  forMs: number;
}

/** A run of load and the outages inflicted during it, one after another. */
export interface PhaseSpec {
  faults: FaultSpec[];
  /** clients that give up after a second and retry with the same Idempotency-Key run beside the plain ones */
  retrying: boolean;
}

/** A killed replica is started again at once; its start takes a few seconds, which the load must outlast. */
const RESTART_ALLOWANCE_MS = 5_000;

let seeds = 1;

function loadPlan(ctx: PhaseContext, shape: { concurrency: number; warmupMs: number; durationMs: number; giveUpMs?: number }): LoadPlan {
  return {
    urls: [`${ctx.target.url}/orders`],
    users: ctx.users,
    unaffordableShare: 0.2,
    ...PRICES,
    seed: seeds++,
    followPending: true,
    ...shape,
  };
}

const labelOf = (ctx: PhaseContext, what: string) => `${ctx.target.style} (${ctx.target.topology}) ${what}`;

/** One steady round: the plain clients for the warm-up and the measured time, nothing else happening. */
export async function steadyRound(ctx: PhaseContext, round: number): Promise<Phase> {
  const { plan } = ctx;
  const label = labelOf(ctx, `steady round ${round}/${plan.rounds}`);
  const wallStart = Date.now();
  const { done, sampler } = await runLoad(ctx.loads, ctx.target.child, label, loadPlan(ctx, { concurrency: plan.clients, warmupMs: plan.warmupMs, durationMs: plan.steadyMs }));
  return { target: 'streamshop', concurrency: plan.clients, records: done.records, usage: sampler.stop(done), wallStart };
}

/** Freezes (or kills and restarts) the service; returns when it was down. */
async function inflict(target: Target, fault: FaultSpec): Promise<FaultWindow> {
  const from = Date.now();
  if (fault.kind === 'kill') {
    await target.control('kill', fault.service);
    await target.control('restart', fault.service);
  } else {
    await target.control('pause', fault.service);
    try {
      await sleep(fault.forMs); // the outage itself
    } finally {
      await target.control('resume', fault.service);
    }
  }
  return { service: fault.service, kind: fault.kind, from, to: Date.now() };
}

/** Each outage after the load has run undisturbed for `beforeMs` (that load is part of the experiment), one after another. */
async function inflictAll(target: Target, faults: FaultSpec[], beforeMs: number): Promise<FaultWindow[]> {
  const windows: FaultWindow[] = [];
  for (const fault of faults) {
    await sleep(beforeMs);
    windows.push(await inflict(target, fault));
  }
  return windows;
}

/** The plain clients (and the retrying ones) for before + outage (+ before + outage …) + after, the outages inflicted meanwhile. */
export async function faultPhase(ctx: PhaseContext, spec: PhaseSpec): Promise<PhaseRun & { windows: FaultWindow[] }> {
  const { plan } = ctx;
  const name = spec.faults.map((f) => f.name).join(', then ');
  const durationMs = spec.faults.reduce((ms, f) => ms + plan.beforeMs + (f.kind === 'kill' ? RESTART_ALLOWANCE_MS : f.forMs), plan.afterMs);
  const started = Date.now();
  const shapes = [
    { concurrency: plan.clients, warmupMs: 0, durationMs },
    ...(spec.retrying ? [{ concurrency: plan.retryingClients, warmupMs: 0, durationMs, giveUpMs: plan.giveUpMs }] : []),
  ];
  const loads = shapes.map((shape, i) => runLoad(ctx.loads, ctx.target.child, labelOf(ctx, `${name}${i ? ' (retrying)' : ''}`), loadPlan(ctx, shape)));
  const windows = await inflictAll(ctx.target, spec.faults, plan.beforeMs).catch(async (error: unknown) => {
    await Promise.allSettled(loads);
    throw error;
  });
  const [plain, retrying] = await Promise.all(
    loads.map(async (load) => {
      const { done, sampler } = await load;
      sampler.stop(done);
      return done.records;
    }),
  );
  return { name, started, ended: Date.now(), plain: plain ?? [], retrying: retrying ?? [], windows };
}

/**
 * The outages of a style on a topology: billing frozen, notifications frozen, billing killed (stack), and billing
 * frozen past the saga's deadline. A full run gives each its own phase; a quick one freezes billing and then
 * notifications in one run of load, which saves a phase's start and settling.
 */
export function phasesOf(ctx: { style: string; topology: string }, plan: Plan, quick: boolean): PhaseSpec[] {
  const billing: FaultSpec = { name: 'billing paused', service: 'billing', kind: 'pause', forMs: plan.pauseMs };
  const notifications: FaultSpec = { name: 'notifications paused', service: 'notifications', kind: 'pause', forMs: plan.pauseMs };
  return [
    ...(quick ? [{ faults: [billing, notifications], retrying: true }] : [{ faults: [billing], retrying: true }, { faults: [notifications], retrying: false }]),
    ...(ctx.topology === 'stack' ? [{ faults: [{ name: 'billing killed', service: 'billing', kind: 'kill', forMs: 0 } as const], retrying: true }] : []),
    ...(ctx.style === 'saga' ? [{ faults: [{ name: 'past the deadline', service: 'billing', kind: 'pause', forMs: plan.sagaPauseMs } as const], retrying: false }] : []),
  ];
}
