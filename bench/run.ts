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
import { chmod, mkdtemp, rm, } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localTokenVerifier } from '../src/platform/access/index.ts';
import type { LoadPlan } from './load.ts';
import { type Options, parseOptions } from './options.ts';
import { reportPeers, runPeers } from './peers.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';
import { checkFloor, levelsOf, peakMemoryOf, type Phase, runLoad } from './phases.ts';
import { type Child, startChild } from './processes.ts';
import { progress, progressDone, runAsScript } from './progress.ts';
import { type BenchResult, printReport, writeResult } from './report.ts';
import { type BenchUser, checkStreamshop, collect, createUsers, drain, logIn, tableSizes } from './streamshop.ts';

export type { BenchResult } from './report.ts';

const root = resolve(import.meta.dirname, '..');

const MONEY = { deposit: 10_000_000_000, withdrawal: 1_000_000 };
const PRICES = { affordablePrice: { min: 100, max: 10_000 }, unaffordablePrice: 1_000_000_000_000 };
/** The operator account streamshop is started with: it reads every user's state back after the run. */
const OPERATOR = { email: 'bench-operator@example.com', password: `bench-${crypto.randomUUID()}` };

/**
 * CPU µs of a token check as every service makes it: the first time a token is seen (the Ed25519 signature and the
 * claims), and each later request with it (the proven token is kept until it expires).
 */
async function measureTokenCheck(url: string, users: BenchUser[]): Promise<{ firstMicros: number; repeatMicros: number }> {
  const keys = (await (await fetch(`${url}/users/.well-known/jwks.json`)).json()) as Parameters<typeof localTokenVerifier>[0];
  const cpuMicros = async (rounds: number, work: () => Promise<void>) => {
    const before = process.cpuUsage();
    for (let i = 0; i < rounds; i++) await work();
    const used = process.cpuUsage(before);
    return Math.round(((used.user + used.system) / rounds) * 10) / 10;
  };
  const passes = Math.ceil(1_000 / users.length);
  const first = await cpuMicros(passes, async () => {
    const verifier = localTokenVerifier(keys);
    for (const user of users) await verifier.verify(user.token);
  });
  const verifier = localTokenVerifier(keys);
  const [user] = users as [BenchUser];
  const repeat = await cpuMicros(10_000, async () => void (await verifier.verify(user.token)));
  return { firstMicros: Math.round((first / users.length) * 10) / 10, repeatMicros: repeat };
}

/** streamshop (the embedded default, or the stack) and the floor, as child processes on fresh data folders. */
async function startTargets(options: Options, work: string, profileDir: string, tracesUrl: string | undefined, track: (child: Child) => Child) {
  const started = await Promise.allSettled([
    startChild({
      name: 'streamshop',
      // The stack: NATS, PostgreSQL and one process per service replica (two of billing and orders), behind a gateway.
      args: [
        ...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        join(root, options.topology === 'stack' ? 'scripts/stack.ts' : 'src/main.ts'),
        ...(options.topology === 'stack' && options.replicas ? ['--replicas', options.replicas] : []),
      ],
      env: {
        PORT: '0',
        PG_PORT: '0',
        DATA_DIR: join(work, 'streamshop'),
        LOG_LEVEL: 'warn',
        ...(tracesUrl ? { OTEL_EXPORTER_OTLP_ENDPOINT: tracesUrl } : {}),
        ADMIN_EMAIL: OPERATOR.email,
        ADMIN_PASSWORD: OPERATOR.password,
        ...(options.topology === 'stack' ? { SERVICES_FROM: 'dist', ...(options.cpuProf ? { CPU_PROF_DIR: profileDir } : {}) } : {}),
      },
      urlPattern: /API\s+(http:\/\/[\d.]+:\d+)\/users/,
    }).then(track),
    options.floor
      ? startChild({
          name: 'floor',
          args: [join(import.meta.dirname, 'floor.ts')],
          env: { PORT: '0', DATA_DIR: join(work, 'floor') },
          urlPattern: /floor listening on (http:\/\/[\d.]+:\d+)/,
        }).then(track)
      : Promise.resolve(undefined),
  ]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  return { system: (started[0] as PromiseFulfilledResult<Child>).value, floor: (started[1] as PromiseFulfilledResult<Child | undefined>).value };

}

/** Every concurrency level against each target in turn; a phase of streamshop lasts until the events it caused are handled. */
async function loadEveryLevel(
  options: Options,
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

/** Load processes running now: an interrupt stops them too. */
const loads = new Set<ChildProcess>();
let interrupted = false;

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
  // Interrupted: the processes the bench started stop too, and it exits non-zero (no figures).
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
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;

  try {
    if (options.topology === 'stack') {
      // The service processes run the build, as in the image: the sources would add Node's type stripper to each.
      progress('building dist/ for the service processes (npm run build)…', true);
      execFileSync(process.execPath, [join(root, 'scripts/build.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    receiver = options.traces ? await startOtlpReceiver({ keep: false }) : undefined;
    progress('starting streamshop and the floor (initdb on fresh temp folders)…', true);
    const profileDir = join(options.out, `${stamp}-cpuprofile`);
    const { system, floor } = await startTargets(options, work, profileDir, receiver?.url, track);

    progress(`creating ${options.users} users with money on streamshop (over HTTP)…`, true);
    const setupStarted = performance.now();
    const systemUsers = await createUsers(system.url, options.users, MONEY, `${stamp}-${process.pid}`.toLowerCase());
    await drain(system.url);
    const setupMs = performance.now() - setupStarted;
    const tokenCheck = await measureTokenCheck(system.url, systemUsers);
    // --direct: the stack listed its orders replicas when it started; the load goes to them, round-robin.
    const ordersUrls = options.direct
      ? system.startupLines.flatMap((line) => /^\s+orders-\d+\s+(http:\/\/\S+\/orders)\s/.exec(line)?.[1] ?? [])
      : [`${system.url}/orders`];
    if (ordersUrls.length === 0) throw new Error('--direct: the stack listed no orders replica');
    const tablesBefore = await tableSizes(system.url);
    let floorUsers: BenchUser[] = [];
    if (floor) {
      const response = await fetch(`${floor.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ users: options.users, ...MONEY }),
      });
      floorUsers = ((await response.json()) as { users: BenchUser[] }).users;
    }

    const phases = await loadEveryLevel(options, { system, systemUsers, ordersUrls }, floor && { floor, floorUsers });

    const tablesAfter = await tableSizes(system.url);
    progress('reading back every order, ledger line and letter through the API…', true);
    const state = await collect(system.url, systemUsers, await logIn(system.url, OPERATOR.email, OPERATOR.password));
    const systemRecords = phases.filter((p) => p.target === 'streamshop').flatMap((p) => p.records);
    const { checks, times } = checkStreamshop(systemRecords, state);
    const floorChecks = floor ? await checkFloor(floor.url, phases.filter((p) => p.target !== 'streamshop').flatMap((p) => p.records)) : [];

    progress('stopping…', true);
    const peakRssMb = peakMemoryOf(phases);
    const warnings = { streamshop: system.warnings, floor: floor?.warnings ?? [] };
    const exits = await Promise.all(children.map(async (c) => ({ name: c.name, ...(await c.stop()) })));
    children.length = 0;
    for (const exit of exits) {
      if (exit.code !== 0) checks.push({ name: `${exit.name} stopped cleanly`, ok: false, detail: `exit ${exit.code ?? exit.signal}`, fatal: false });
    }
    // --peers: after streamshop and the floor have stopped, so that they do not share the machine with them.
    const peers = options.peers ? await runPeers(options, { work, loads, track, setup: MONEY, prices: PRICES }) : undefined;
    progressDone();

    const levels = levelsOf(options.concurrency, phases, options.durationS, times);
    const allChecks = [...checks, ...floorChecks, ...(peers?.runs.flatMap((run) => run.checks) ?? [])];
    const passed = allChecks.every((c) => c.ok || !c.fatal);
    // Noisy: while we measured, other processes kept more than a tenth of a core busy on average.
    const noisy = phases.some((p) => p.usage.otherCores > 0.1);

    const { out: _out, ...shownOptions } = options;
    const result: BenchResult = {
      startedAt: startedAt.toISOString(),
      passed,
      noisy,
      machine: { cores: availableParallelism(), loadavgAtEnd: loadavg().map((l) => Math.round(l * 100) / 100), node: process.version },
      options: shownOptions,
      setup: { users: options.users, deposit: MONEY.deposit, withdrawal: MONEY.withdrawal, ...PRICES, streamshopSetupMs: Math.round(setupMs) },
      levels,
      peakRssMb,
      checks: allChecks,
      warnings,
      tokenCheck,
      messagingTableRows: { before: tablesBefore, after: tablesAfter },
      ...(receiver ? { spansExported: receiver.received() } : {}),
      ...(options.cpuProf ? { cpuProfileDir: profileDir } : {}),
    };

    const { jsonPath, svgPath, reportPath } = await writeResult(result, options, stamp);
    printReport(result);
    if (peers) await reportPeers(peers, levels, options.out, stamp);
    console.log(`\nreport: ${reportPath} (every figure)\nJSON:   ${jsonPath}\nSVG:    ${svgPath}`);
    if (options.cpuProf) console.log(`CPU profile of streamshop: ${profileDir}`);
    console.log(passed ? '\nPASSED: every correctness check holds' : '\nFAILED: a correctness check does not hold (see above)');
    return passed ? 0 : 1;
  } finally {
    progressDone();
    await Promise.allSettled(children.map((c) => c.stop()));
    await receiver?.close();
    await rm(work, { recursive: true, force: true });
  }
}

runAsScript(import.meta, main, { failed: 'bench failed:', interrupted: () => interrupted });
