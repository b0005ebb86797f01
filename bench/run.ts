/**
 * npm run bench [-- --duration 10 --concurrency 1,8,32,128 --users 200 --warmup 2 --quick --out bench-results]
 *
 * Starts streamshop (node src/main.ts, embedded default) and the floor (bench/floor.ts: the same
 * business in one transaction on the same PostgreSQL binaries) as child processes, gives both the
 * same users and money, then for each concurrency level drives each with the same closed-loop load
 * process (bench/load.ts). Reports throughput, latency to the final status and to the letter, the
 * time each stage adds, CPU and memory of each process tree, and whether the results are correct.
 * A table on stdout; JSON and an SVG chart in the output folder. Exits 1 when a check fails.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { latencyChart } from './chart.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';
import type { LoadMessage, LoadPlan, OrderRecord } from './load.ts';
import { type Child, startChild } from './processes.ts';
import { startUsageSampler, type Usage } from './proc.ts';
import { cell, type Distribution, distribution, table } from './stats.ts';
import { type BenchUser, type Check, checkStreamshop, collect, createUsers, drain, logIn, type OrderTimes, tableSizes } from './streamshop.ts';
import { localTokenVerifier } from '../src/platform/tokens.ts';

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

export interface Options {
  durationS: number;
  warmupS: number;
  concurrency: number[];
  users: number;
  unaffordableShare: number;
  out: string;
  floor: boolean;
  cpuProf: boolean;
  quick: boolean;
  seed: number;
  topology: 'embedded' | 'stack';
  /** Also drive the floor with streamshop's token check in front (POST /checked/orders): what authentication costs. */
  authCost: boolean;
  /** streamshop exports its traces (OTLP/HTTP) to a receiver in the bench process, as it would to a collector */
  traces: boolean;
  /** stack: orders go straight to the orders replicas, not through the gateway (in Kubernetes, the ingress's job) */
  direct: boolean;
  /** stack: processes per service, as `npm run stack -- --replicas` takes them */
  replicas: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      users: { type: 'string' },
      unaffordable: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-floor': { type: 'boolean', default: false },
      topology: { type: 'string', default: 'embedded' },
      'cpu-prof': { type: 'boolean', default: false },
      'auth-cost': { type: 'boolean', default: false },
      direct: { type: 'boolean', default: false },
      traces: { type: 'boolean', default: false },
      // On one machine, a second replica of billing and orders only adds processes competing for the same cores.
      replicas: { type: 'string', default: 'billing=1,orders=1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'npm run bench -- [--duration S] [--warmup S] [--concurrency 1,8,32,128] [--users N] [--unaffordable 0.2]\n' +
        '                 [--quick] [--no-floor] [--auth-cost] [--cpu-prof] [--out DIR] [--seed N] [--topology embedded|stack]\n' +
        '                 [--direct] [--replicas billing=1,orders=1]   (stack: bypass the gateway; processes per service)\n' +
        '                 [--traces]   (streamshop exports traces to a receiver in the bench, as to a collector)',
    );
    process.exit(0);
  }
  const quick = values.quick;
  if (values.direct && values.topology !== 'stack') throw new Error('--direct is for --topology stack');
  if (values.topology !== 'embedded' && values.topology !== 'stack') throw new Error(`--topology must be embedded or stack, got ${values.topology}`);
  const number = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
    return n;
  };
  const concurrency = (values.concurrency ?? (quick ? '8' : '1,8,32,128')).split(',').map(Number);
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--concurrency must be positive integers, got ${values.concurrency}`);
  const durationS = number(values.duration, quick ? 2 : 10, 'duration');
  if (durationS <= 0) throw new Error('--duration must be above 0');
  return {
    durationS,
    warmupS: number(values.warmup, quick ? 0.5 : 2, 'warmup'),
    concurrency,
    users: Math.max(1, Math.round(number(values.users, quick ? 10 : 200, 'users'))),
    unaffordableShare: number(values.unaffordable, 0.2, 'unaffordable'),
    out: resolve(values.out ?? join(root, 'bench-results')),
    floor: !values['no-floor'],
    cpuProf: values['cpu-prof'],
    quick,
    seed: Math.round(number(values.seed, 42, 'seed')),
    topology: values.topology,
    authCost: values['auth-cost'] && !values['no-floor'],
    direct: values.direct,
    traces: values.traces,
    replicas: values.replicas,
  };
}

// ---------- progress (stderr): one line rewritten in place on a terminal, phase lines otherwise ----------

const tty = process.stderr.isTTY === true;
let lastLine = '';
function progress(text: string, phase = false): void {
  if (tty) {
    process.stderr.write(`\r${text.padEnd(Math.max(lastLine.length, text.length))}`);
    lastLine = text;
  } else if (phase) {
    process.stderr.write(`${text}\n`);
  }
}
function progressDone(): void {
  if (tty && lastLine) process.stderr.write(`\r${' '.repeat(lastLine.length)}\r`);
  lastLine = '';
}

// ---------- one load phase ----------

interface Phase {
  target: 'streamshop' | 'floor' | 'floor+auth';
  concurrency: number;
  records: OrderRecord[];
  usage: Usage;
  wallStart: number;
  /** streamshop: ms after the load ended until every event was handled */
  drainMs?: number;
}

/** Load processes running now: an interrupt stops them too. */
const loads = new Set<ChildProcess>();
let interrupted = false;

/** Runs one load process against a target; the caller stops the usage sampler (after the target has drained). */
function runLoad(
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

function peakByProcess(samples: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of samples) for (const [label, mb] of Object.entries(sample)) out[label] = Math.max(out[label] ?? 0, mb);
  return out;
}

// ---------- summaries ----------

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
  drainMs?: number;
}

function summarise(phase: Phase, durationS: number, times?: Map<string, OrderTimes>): Summary {
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
    ...(phase.drainMs !== undefined ? { drainMs: Math.round(phase.drainMs) } : {}),
  };
}

// ---------- the result, as written to bench-results/<timestamp>.json ----------

export interface Level {
  concurrency: number;
  streamshop: Summary;
  floor?: Summary;
  /** the floor with the token check in front (--auth-cost) */
  floorWithAuth?: Summary;
  /** streamshop's throughput divided by the floor's */
  throughputRatio?: number;
}

interface PeakRss {
  /** node: the root process (in the stack, the stack script); processes: each Node.js process below it */
  streamshop: { node: number; postgresPss: number; processes: Record<string, number> };
  floor: { node: number; postgresPss: number };
  load: number;
}

export interface BenchResult {
  startedAt: string;
  /** every fatal correctness check held */
  passed: boolean;
  /** other processes used more than a tenth of a core while we measured */
  noisy: boolean;
  machine: { cores: number; loadavgAtEnd: number[]; node: string };
  options: Omit<Options, 'out'>;
  setup: Record<string, unknown>;
  levels: Level[];
  peakRssMb: PeakRss;
  checks: Check[];
  warnings: { streamshop: string[]; floor: string[] };
  /** CPU µs of a token check, measured in the bench process: a token's first (signature and claims), and later ones */
  tokenCheck: { firstMicros: number; repeatMicros: number };
  /** --traces: the spans the services sent to the receiver */
  spansExported?: number;
  /** Rows kept per messaging table over the four services, before the load and once its events were handled */
  messagingTableRows: { before: Record<string, number>; after: Record<string, number> };
  cpuProfileDir?: string;
}

// ---------- main ----------

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
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progressDone();
    console.error('\ninterrupted: stopping the processes started by the bench');
    for (const load of loads) load.kill('SIGTERM');
    Promise.allSettled(children.map((c) => c.stop()))
      .then(() => rm(work, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
          ...(receiver ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } : {}),
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
    const system = (started[0] as PromiseFulfilledResult<Child>).value;
    const floor = (started[1] as PromiseFulfilledResult<Child | undefined>).value;

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

    const phases: Phase[] = [];
    for (const concurrency of options.concurrency) {
      const targets = [
        { name: 'streamshop', child: system, path: '/orders', users: systemUsers, urls: ordersUrls },
        { name: 'floor', child: floor, path: '/orders', users: floorUsers, urls: undefined },
        { name: 'floor+auth', child: options.authCost ? floor : undefined, path: '/checked/orders', users: floorUsers, urls: undefined },
      ] as const;
      for (const { name, child: target, path, users, urls } of targets) {
        if (!target) continue;
        const label = `${name} c=${concurrency}`;
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
        const { done, sampler } = await runLoad(target, label, plan);
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

    const tablesAfter = await tableSizes(system.url);
    progress('reading back every order, ledger line and letter through the API…', true);
    const state = await collect(system.url, systemUsers, await logIn(system.url, OPERATOR.email, OPERATOR.password));
    const systemRecords = phases.filter((p) => p.target === 'streamshop').flatMap((p) => p.records);
    const { checks, times } = checkStreamshop(systemRecords, state);
    const floorChecks: Check[] = [];
    if (floor) {
      const floorRecords = phases.filter((p) => p.target !== 'streamshop').flatMap((p) => p.records);
      const v = (await (await fetch(`${floor.url}/verify`)).json()) as Record<string, number>;
      const placed = floorRecords.filter((r) => r.http === 201).length;
      const unexpected = floorRecords.filter((r) => r.http === 201 && r.status !== (r.affordable ? 'paid' : 'rejected')).length;
      floorChecks.push(
        { name: 'floor: every request answered 201', ok: placed === floorRecords.length, detail: `${floorRecords.length - placed} failed`, fatal: true },
        { name: 'floor: orders stored = orders placed', ok: v.orders === placed, detail: `${v.orders} stored, ${placed} placed`, fatal: true },
        { name: 'floor: outcomes as expected', ok: unexpected === 0, detail: `${unexpected} unexpected`, fatal: true },
        {
          name: 'floor: ledger payment lines = paid orders',
          ok: v.payments === v.paid && v.paid_without_payment === 0,
          detail: `${v.payments} lines, ${v.paid} paid`,
          fatal: true,
        },
        { name: 'floor: money conserved per account', ok: v.unbalanced === 0, detail: `${v.unbalanced} accounts disagree`, fatal: true },
        { name: 'floor: one letter per order', ok: v.orders_without_one_letter === 0, detail: `${v.orders_without_one_letter} wrong`, fatal: true },
      );
    }

    progress('stopping…', true);
    const peak = (target: Phase['target'], pick: (u: Usage) => number) =>
      phases.filter((p) => p.target === target).reduce((m, p) => Math.max(m, pick(p.usage)), 0);
    const peakRssMb = {
      streamshop: {
        node: peak('streamshop', (u) => u.peakRssMb.nodeHighWater),
        postgresPss: peak('streamshop', (u) => u.peakRssMb.postgresPss),
        processes: peakByProcess(phases.filter((p) => p.target === 'streamshop').map((p) => p.usage.peakRssMb.processes)),
      },
      floor: { node: peak('floor', (u) => u.peakRssMb.nodeHighWater), postgresPss: peak('floor', (u) => u.peakRssMb.postgresPss) },
      load: Math.max(peak('streamshop', (u) => u.peakRssMb.load), peak('floor', (u) => u.peakRssMb.load)),
    };
    const warnings = { streamshop: system.warnings, floor: floor?.warnings ?? [] };
    const exits = await Promise.all(children.map(async (c) => ({ name: c.name, ...(await c.stop()) })));
    children.length = 0;
    for (const exit of exits) {
      if (exit.code !== 0) checks.push({ name: `${exit.name} stopped cleanly`, ok: false, detail: `exit ${exit.code ?? exit.signal}`, fatal: false });
    }
    progressDone();

    // ----- report -----
    const levels = options.concurrency.map((concurrency) => {
      const of = (target: Phase['target']) => phases.find((p) => p.target === target && p.concurrency === concurrency);
      const s = of('streamshop') as Phase;
      const f = of('floor');
      const fa = of('floor+auth');
      const streamshop = summarise(s, options.durationS, times);
      const floorSummary = f ? summarise(f, options.durationS) : undefined;
      return {
        concurrency,
        streamshop,
        ...(floorSummary ? { floor: floorSummary, throughputRatio: Math.round((streamshop.throughput / floorSummary.throughput) * 1000) / 1000 } : {}),
        ...(fa ? { floorWithAuth: summarise(fa, options.durationS) } : {}),
      };
    });
    const allChecks = [...checks, ...floorChecks];
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

    await mkdir(options.out, { recursive: true });
    const jsonPath = join(options.out, `${stamp}.json`);
    const svgPath = join(options.out, `${stamp}.svg`);
    await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    const series = [
      {
        name: 'streamshop',
        color: '#d62728',
        points: levels.map((l) => ({ throughput: l.streamshop.throughput, p50: l.streamshop.latencyToFinalMs.p50, p99: l.streamshop.latencyToFinalMs.p99, label: `c=${l.concurrency}` })),
      },
      ...(options.floor
        ? [
            {
              name: 'floor',
              color: '#1f77b4',
              points: levels.flatMap((l) => (l.floor ? [{ throughput: l.floor.throughput, p50: l.floor.latencyToFinalMs.p50, p99: l.floor.latencyToFinalMs.p99, label: `c=${l.concurrency}` }] : [])),
            },
          ]
        : []),
    ];
    await writeFile(
      svgPath,
      latencyChart(series, 'streamshop vs the floor: latency to final status against throughput', `${stamp}, ${options.durationS} s per level, ${availableParallelism()} cores${noisy ? ', NOISY machine' : ''}`),
    );

    printReport(result, levels, allChecks);
    console.log(`\nJSON: ${jsonPath}\nSVG:  ${svgPath}`);
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

function printReport(result: BenchResult, levels: Level[], checks: Check[]): void {
  const rows: string[][] = [];
  // The stack has a NATS server too: its CPU gets a column of its own.
  const withBroker = levels.some((level) => level.streamshop.usage.cpuSeconds.broker > 0);
  for (const level of levels) {
    for (const [name, s] of [
      ['streamshop', level.streamshop],
      ['floor', level.floor],
      ['floor+auth', level.floorWithAuth],
    ] as const) {
      if (!s) continue;
      const u = s.usage;
      rows.push([
        `${name} c=${level.concurrency}`,
        cell(s.throughput),
        cell(s.latencyToFinalMs.p50),
        cell(s.latencyToFinalMs.p95),
        cell(s.latencyToFinalMs.p99),
        cell(s.latencyToFinalMs.max),
        cell(s.latencyToLetterMs.p50),
        cell(s.latencyToLetterMs.p95),
        cell(s.latencyToLetterMs.p99),
        cell(s.latencyToLetterMs.max),
        `${cell(u.cpuSeconds.node)}/${cell(u.cpuSeconds.postgres)}${withBroker ? `/${cell(u.cpuSeconds.broker)}` : ''}`,
        cell(s.cpuMsPerOrder, 2),
        `${cell(u.peakRssMb.node, 0)}/${cell(u.peakRssMb.postgresPss, 0)}`,
        cell(u.cpuSeconds.load),
        cell(u.cpuSeconds.other),
        String(s.errors),
      ]);
    }
    if (level.throughputRatio !== undefined) rows.push([`  ratio c=${level.concurrency}`, `${(level.throughputRatio * 100).toFixed(1)}%`, ...Array(14).fill('')]);
  }
  const otherCores = Math.max(...levels.flatMap((l) => [l.streamshop.usage.otherCores, l.floor?.usage.otherCores ?? 0]));
  console.log(
    `\nstreamshop vs the floor${result.noisy ? ` — NOISY: other processes kept up to ${otherCores} cores busy while we measured` : ''} ` +
      `(${result.machine.cores} cores, load average ${result.machine.loadavgAtEnd.join(' ')})\n`,
  );
  console.log(
    table(
      ['', 'orders/s', 'final p50', 'p95', 'p99', 'max', 'letter p50', 'p95', 'p99', 'max', withBroker ? 'cpu s node/pg/nats' : 'cpu s node/pg', 'cpu ms/order', 'rss MB node/pg', 'load cpu s', 'other cpu s', 'err'],
      rows,
    ),
  );
  console.log('\nlatencies in ms; "letter" = from sending POST /orders to the letter\'s createdAt; pg memory is PSS summed over its processes');
  const perOrder = levels[0]?.streamshop.cpuMsPerOrder;
  console.log(
    `authentication (no database): a token's first check (Ed25519 signature and claims) costs ${result.tokenCheck.firstMicros} µs of CPU` +
      (perOrder ? ` (${((result.tokenCheck.firstMicros / 1000 / perOrder) * 100).toFixed(1)} % of streamshop's ${perOrder} ms per order at c=${levels[0]?.concurrency})` : '') +
      `, each later request with the same token ${result.tokenCheck.repeatMicros} µs` +
      (levels.some((l) => l.floorWithAuth) ? '; floor+auth is the floor with that check in front' : ' (--auth-cost also runs the floor with it)'),
  );
  const m = result.peakRssMb;
  console.log(
    `peak memory (MB): streamshop node ${m.streamshop.node} (VmHWM), its PostgreSQL ${m.streamshop.postgresPss} (PSS); ` +
      `floor node ${m.floor.node}, its PostgreSQL ${m.floor.postgresPss}; load process ${m.load}`,
  );
  for (const [label, mb] of Object.entries(m.streamshop.processes)) console.log(`  streamshop process ${label}: ${mb} MB (peak VmRSS)`);
  if (result.spansExported !== undefined) console.log(`traces: ${result.spansExported} spans exported to the receiver (OTLP/HTTP)`);
  const { before, after } = result.messagingTableRows;
  console.log(
    `messaging tables (rows kept, all services; retention removes them as they age): ${Object.keys(after)
      .map((table) => `${table} ${before[table] ?? 0} → ${after[table]}`)
      .join(', ')}`,
  );

  const stageNames = Object.keys(levels[0]?.streamshop.stagesMs ?? {});
  if (stageNames.length) {
    console.log('\nstreamshop: what each stage adds (server timestamps, ms, p50 / p95; payment stages from paid orders only)\n');
    console.log(
      table(
        ['stage', ...levels.map((l) => `c=${l.concurrency}`)],
        stageNames.map((name) => [
          name,
          ...levels.map((l) => {
            const d = l.streamshop.stagesMs[name];
            return d ? `${cell(d.p50)} / ${cell(d.p95)}` : '-';
          }),
        ]),
      ),
    );
    console.log(`drain after load (ms): ${levels.map((l) => `c=${l.concurrency}: ${l.streamshop.drainMs ?? '-'}`).join(', ')}`);
  }

  console.log('\ncorrectness\n');
  for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : check.fatal ? 'FAIL' : 'warn'}  ${check.name} — ${check.detail}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      progressDone();
      if (interrupted) process.exit(130);
      console.error('bench failed:', error);
      process.exit(2);
    },
  );
}
