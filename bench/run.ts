/**
 * npm run bench [-- --duration 10 --concurrency 1,8,32,128 --users 200 --warmup 2 --quick --out bench-results]
 *
 * Starts streamshop (node src/main.ts, embedded default) and the floor (bench/floor.ts: the same
 * business in one transaction on the same PostgreSQL binaries) as child processes, gives both the
 * same users and money, then for each concurrency level drives each with the same closed-loop load
 * process (bench/load.ts). Reports throughput, latency to the final status and to the letter, the
 * time each stage adds, CPU and memory of each process tree, and whether the results are correct.
 * A summary on stdout; a text report, JSON and an SVG chart in the output folder. Exits 1 when a check fails.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import closeWithGrace from 'close-with-grace';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEveryLevel } from './load-levels.ts';
import { type Options, parseOptions } from './options.ts';
import { type PeersResult, reportPeers, runPeers } from './peers.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';
import { checkFloor, levelsOf, peakMemoryOf, type Phase } from './phases.ts';
import type { Child } from './processes.ts';
import { progress, progressDone, runAsScript } from './progress.ts';
import { type BenchResult, printReport, writeResult } from './report.ts';
import { type Check, collect, createUsers, drain, logIn, type OrderTimes, tableSizes } from './streamshop.ts';
import { checkStreamshop } from './streamshop-checks.ts';
import { MONEY, OPERATOR, PRICES, setUpFloorUsers, startTargets, type TargetContext } from './targets.ts';
import { measureTokenCheck } from './token-check.ts';

export type { BenchResult } from './report.ts';

const root = resolve(import.meta.dirname, '..');

/** Load processes running now: an interrupt stops them too. */
const loads = new Set<ChildProcess>();
let interrupted = false;

/** Interrupted: the processes the bench started stop too, and it exits non-zero (no figures). */
function stopOnInterrupt(children: Child[], work: string): void {
  closeWithGrace({ delay: 40_000, skip: ['uncaughtException', 'unhandledRejection'] }, async ({ signal }) => {
    if (!signal) return;
    interrupted = true;
    progressDone();
    console.error('\ninterrupted: stopping the processes started by the bench');
    for (const load of loads) load.kill('SIGTERM');
    await Promise.allSettled(children.map((c) => c.stop()));
    await rm(work, { recursive: true, force: true });
    throw new Error('the bench was interrupted');
  });
}

/** What streamshop and the floor went through, and what their state says about the run's correctness. */
interface Measured {
  phases: Phase[];
  /** streamshop's checks, then whether each target stopped cleanly, then the floor's checks */
  checks: Check[];
  times: Map<string, OrderTimes>;
  setupMs: number;
  tokenCheck: BenchResult['tokenCheck'];
  messagingTableRows: BenchResult['messagingTableRows'];
  peakRssMb: BenchResult['peakRssMb'];
  warnings: BenchResult['warnings'];
}

/** Both targets started, given the same users and money, driven at every level, read back and checked, and stopped. */
async function measure(options: Options, run: TargetContext & { stamp: string; children: Child[] }): Promise<Measured> {
  progress('starting streamshop and the floor (initdb on fresh temp folders)…', true);
  const { system, floor } = await startTargets(options, run);

  progress(`creating ${options.users} users with money on streamshop (over HTTP)…`, true);
  const setupStarted = performance.now();
  const systemUsers = await createUsers(system.url, options.users, MONEY, `${run.stamp}-${process.pid}`.toLowerCase());
  await drain(system.url);
  const setupMs = performance.now() - setupStarted;
  const tokenCheck = await measureTokenCheck(system.url, systemUsers);
  // --direct: the stack listed its orders replicas when it started; the load goes to them, round-robin.
  const ordersUrls = options.direct
    ? system.startupLines.flatMap((line) => /^\s+orders-\d+\s+(http:\/\/\S+\/orders)\s/.exec(line)?.[1] ?? [])
    : [`${system.url}/orders`];
  if (ordersUrls.length === 0) throw new Error('--direct: the stack listed no orders replica');
  const tablesBefore = await tableSizes(system.url);
  const floorUsers = floor ? await setUpFloorUsers(floor, options.users) : [];

  const phases = await loadEveryLevel(options, loads, { system, systemUsers, ordersUrls }, floor && { floor, floorUsers });

  const tablesAfter = await tableSizes(system.url);
  progress('reading back every order, ledger line and letter through the API…', true);
  const state = await collect(system.url, systemUsers, await logIn(system.url, OPERATOR.email, OPERATOR.password));
  const systemRecords = phases.filter((p) => p.target === 'streamshop').flatMap((p) => p.records);
  const { checks, times } = checkStreamshop(systemRecords, state);
  const floorChecks = floor ? await checkFloor(floor.url, phases.filter((p) => p.target !== 'streamshop').flatMap((p) => p.records)) : [];

  progress('stopping…', true);
  const warnings = { streamshop: system.warnings, floor: floor?.warnings ?? [] };
  const exits = await Promise.all(run.children.map(async (c) => ({ name: c.name, ...(await c.stop()) })));
  run.children.length = 0;
  for (const exit of exits) {
    if (exit.code !== 0) checks.push({ name: `${exit.name} stopped cleanly`, ok: false, detail: `exit ${exit.code ?? exit.signal}`, fatal: false });
  }
  const messagingTableRows = { before: tablesBefore, after: tablesAfter };
  return { phases, checks: [...checks, ...floorChecks], times, setupMs, tokenCheck, messagingTableRows, peakRssMb: peakMemoryOf(phases), warnings };
}

/** The result as written and printed: what was measured, every check (the peers' last), the machine and the options. */
function resultOf(options: Options, measured: Measured, run: { startedAt: Date; peers?: PeersResult; spansExported?: number; profileDir: string }): BenchResult {
  const levels = levelsOf(options.concurrency, measured.phases, options.durationS, measured.times);
  const allChecks = [...measured.checks, ...(run.peers?.runs.flatMap((peerRun) => peerRun.checks) ?? [])];
  const passed = allChecks.every((c) => c.ok || !c.fatal);
  // Noisy: while we measured, other processes kept more than a tenth of a core busy on average.
  const noisy = measured.phases.some((p) => p.usage.otherCores > 0.1);
  const { out: _out, ...shownOptions } = options;
  return {
    startedAt: run.startedAt.toISOString(),
    passed,
    noisy,
    machine: { cores: availableParallelism(), loadavgAtEnd: loadavg().map((l) => Math.round(l * 100) / 100), node: process.version },
    options: shownOptions,
    setup: { users: options.users, deposit: MONEY.deposit, withdrawal: MONEY.withdrawal, ...PRICES, streamshopSetupMs: Math.round(measured.setupMs) },
    levels,
    peakRssMb: measured.peakRssMb,
    checks: allChecks,
    warnings: measured.warnings,
    tokenCheck: measured.tokenCheck,
    messagingTableRows: measured.messagingTableRows,
    ...(run.spansExported !== undefined ? { spansExported: run.spansExported } : {}),
    ...(options.cpuProf ? { cpuProfileDir: run.profileDir } : {}),
  };
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
  const work = await mkdtemp(join(tmpdir(), 'streamshop-bench-'));
  // As root, PostgreSQL runs as "postgres", which must be able to pass through this folder.
  await chmod(work, 0o711);
  const children: Child[] = [];
  const track = (child: Child) => {
    children.push(child);
    return child;
  };
  stopOnInterrupt(children, work);
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;

  try {
    if (options.topology === 'stack') {
      // The service processes run the build, as in the image: the sources would add Node's type stripper to each.
      progress('building dist/ for the service processes (npm run build)…', true);
      execFileSync(process.execPath, [join(root, 'scripts/build.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    receiver = options.traces ? await startOtlpReceiver({ keep: false }) : undefined;
    const profileDir = join(options.out, `${stamp}-cpuprofile`);
    const measured = await measure(options, { stamp, work, profileDir, tracesUrl: receiver?.url, track, children });
    // --peers: after streamshop and the floor have stopped, so that they do not share the machine with them.
    const peers = options.peers ? await runPeers(options, { work, loads, track, setup: MONEY, prices: PRICES }) : undefined;
    progressDone();

    const result = resultOf(options, measured, { startedAt, peers, spansExported: receiver?.received(), profileDir });
    const { jsonPath, svgPath, reportPath } = await writeResult(result, options, stamp);
    printReport(result);
    if (peers) await reportPeers(peers, result.levels, options.out, stamp);
    console.log(`\nreport: ${reportPath} (every figure)\nJSON:   ${jsonPath}\nSVG:    ${svgPath}`);
    if (options.cpuProf) console.log(`CPU profile of streamshop: ${profileDir}`);
    console.log(result.passed ? '\nPASSED: every correctness check holds' : '\nFAILED: a correctness check does not hold (see above)');
    return result.passed ? 0 : 1;
  } finally {
    progressDone();
    await Promise.allSettled(children.map((c) => c.stop()));
    await receiver?.close();
    await rm(work, { recursive: true, force: true });
  }
}

runAsScript(import.meta, main, { failed: 'bench failed:', interrupted: () => interrupted });
