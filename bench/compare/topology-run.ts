/**
 * Every style on one topology: the systems started side by side, the steady rounds taking turns (so that a machine
 * whose speed drifts moves every style alike), then each style's outages one after another, each system stopped
 * once its phases are done.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { InteractionStyle } from '../../src/platform/runtime/index.ts';
import { mergePhases, type Phase, summarise } from '../phases.ts';
import type { Distribution } from '../stats.ts';
import { type BenchUser, createUsers } from '../streamshop.ts';
import { faultPhase, MONEY, type PhaseContext, phasesOf, steadyRound } from './load-phases.ts';
import { type Measures, measure, type PhaseRun } from './measures.ts';
import type { CompareOptions } from './options.ts';
import { lettersLostNow, settle } from './settle.ts';
import { phaseLine, steadyLine } from './lines.ts';
import { startTarget, type Target, type Topology } from './targets.ts';

export interface SteadyFigures {
  /** orders/s of each round, and their median */
  rounds: number[];
  throughput: number;
  /** ms to the final status, pooled over the rounds */
  latencyMs: Distribution;
  cpuMsPerOrder: number;
  errors: number;
  answeredPending: number;
  /** cores other processes kept busy while the rounds ran, at most */
  otherCores: number;
}

export interface StyleResult {
  style: InteractionStyle;
  topology: Topology;
  startMs: number;
  steady: SteadyFigures;
  /** each phase's figures: 'steady' (the rounds' orders once settled), then each outage */
  phases: Record<string, Measures>;
}

export interface RunContext {
  options: CompareOptions;
  /** temporary folder of the run: each system's data goes below it */
  work: string;
  loads: Set<ChildProcess>;
  operator: { email: string; password: string };
  /** a line for the person watching: one per phase, with what it measured */
  say(line: string): void;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

function steadyFigures(rounds: Phase[], steadyMs: number): SteadyFigures {
  const perRound = rounds.map((round) => summarise(round, steadyMs / 1000).throughput);
  const pooled = summarise(mergePhases(rounds), (steadyMs / 1000) * rounds.length);
  return {
    rounds: perRound,
    throughput: median(perRound),
    latencyMs: pooled.latencyToFinalMs,
    cpuMsPerOrder: pooled.cpuMsPerOrder,
    errors: pooled.errors,
    answeredPending: pooled.answeredPending,
    otherCores: Math.max(...rounds.map((round) => round.usage.otherCores)),
  };
}

interface Running {
  target: Target;
  users: BenchUser[];
  startMs: number;
  rounds: Phase[];
}

async function startOne(run: RunContext, topology: Topology, style: InteractionStyle): Promise<Running> {
  const started = performance.now();
  const { plan } = run.options;
  const target = await startTarget({
    topology,
    style,
    dataDir: join(run.work, `${topology}-${style}`),
    paymentDeadline: `${plan.deadlineMs}ms`,
    operator: run.operator,
  });
  const startMs = Math.round(performance.now() - started);
  const users = await createUsers(target.url, plan.users, MONEY, `${topology}-${style}-${process.pid}`);
  run.say(`${style} (${topology}): started in ${(startMs / 1000).toFixed(1)} s; ${users.length} users with money`);
  return { target, users, startMs, rounds: [] };
}

/** Settles what the steady rounds left behind and measures it. */
async function measured(run: RunContext, one: Running, phase: PhaseRun & { lostBefore: number }): Promise<Measures> {
  const { plan } = run.options;
  const settled = await settle({ target: one.target, users: one.users, operator: run.operator, since: phase.started, lostBefore: phase.lostBefore, timeoutMs: plan.settleMs });
  return measure({ run: phase, state: settled.state, lettersLost: settled.lettersLost, settle: settled, plan });
}

/** The steady rounds' orders settled and checked, then each outage of the style, one after another. */
async function outagesOf(run: RunContext, one: Running, steadyFrom: { started: number; lostBefore: number }): Promise<Record<string, Measures>> {
  const { target } = one;
  const ctx: PhaseContext = { target, users: one.users, plan: run.options.plan, loads: run.loads };
  const records = one.rounds.flatMap((round) => round.records);
  const phases: Record<string, Measures> = {};
  phases.steady = await measured(run, one, { name: 'steady', ...steadyFrom, ended: Date.now(), plain: records, retrying: [] });
  run.say(phaseLine(target, 'steady', phases.steady));
  for (const spec of phasesOf(target, run.options.plan, run.options.quick)) {
    const lostBefore = await lettersLostNow(target);
    const { windows, ...phase } = await faultPhase(ctx, spec);
    const settled = await settle({ target, users: one.users, operator: run.operator, since: phase.started, lostBefore, timeoutMs: run.options.plan.settleMs });
    // Several outages in one run of load (--quick): each is measured against its own window.
    for (const [i, fault] of spec.faults.entries()) {
      const m = measure({ run: { ...phase, fault: windows[i] }, state: settled.state, lettersLost: settled.lettersLost, settle: settled, plan: run.options.plan });
      phases[fault.name] = m;
      run.say(phaseLine(target, fault.name, m));
    }
  }
  return phases;
}

export async function compareOn(run: RunContext, topology: Topology): Promise<StyleResult[]> {
  const { plan, styles } = run.options;
  const running: Running[] = [];
  try {
    // The embedded systems start side by side (initdb is most of a start); the stacks, heavier, one after another.
    if (topology === 'embedded') {
      const started = await Promise.allSettled(styles.map((style) => startOne(run, topology, style)));
      for (const one of started) if (one.status === 'fulfilled') running.push(one.value);
      for (const one of started) if (one.status === 'rejected') throw one.reason;
    } else for (const style of styles) running.push(await startOne(run, topology, style));
    const steadyFrom = await Promise.all(running.map(async (one) => ({ started: Date.now(), lostBefore: await lettersLostNow(one.target) })));
    for (let round = 1; round <= plan.rounds; round++) {
      for (const one of running) {
        const phase = await steadyRound({ target: one.target, users: one.users, plan, loads: run.loads }, round);
        one.rounds.push(phase);
        run.say(steadyLine(one.target, `round ${round}/${plan.rounds}`, summarise(phase, plan.steadyMs / 1000)));
      }
    }
    const results: StyleResult[] = [];
    for (const [i, one] of running.entries()) {
      const phases = await outagesOf(run, one, steadyFrom[i] as { started: number; lostBefore: number });
      results.push({ style: one.target.style, topology, startMs: one.startMs, steady: steadyFigures(one.rounds, plan.steadyMs), phases });
      await stopTarget(run, one.target);
    }
    return results;
  } finally {
    await Promise.allSettled(running.map((one) => one.target.child.stop()));
  }
}

/** Stops a system; one that does not stop cleanly is said, not hidden. */
async function stopTarget(run: RunContext, target: Target): Promise<void> {
  const exit = await target.child.stop();
  if (exit.code !== 0) run.say(`! ${target.style} (${target.topology}) stopped with ${exit.code ?? exit.signal}: ${target.child.output().slice(-500)}`);
}
