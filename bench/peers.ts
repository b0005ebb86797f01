/**
 * --peers: the same business on DBOS Transact and on Restate (bench/peers/<peer>/), driven by the same load
 * process at the same concurrency levels after streamshop and the floor, checked as the floor is checked.
 *
 * Each peer has a package.json and package-lock.json of its own and is installed on first use (`npm ci
 * --ignore-scripts` into bench/peers/<peer>/node_modules, again only when its lock changed), like the diagram
 * renderer in tools/diagrams (scripts/docs/diagrams.ts): never by the product's `npm ci`. Each runs as shipped,
 * then tuned (TUNED=1; each server.ts lists its tuning), durability left on in both.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadPlan } from './load.ts';
import type { Options } from './options.ts';
import { checkFloor, type Phase, runLoad, type Summary, summarise } from './phases.ts';
import { type Child, startChild } from './processes.ts';
import { progress } from './progress.ts';
import type { Level } from './report.ts';
import { cell, compact, table, WIDTH, wrap } from './stats.ts';
import type { Check } from './streamshop.ts';

export const PEERS = ['dbos', 'restate'] as const;
export type PeerName = (typeof PEERS)[number];
export type Variant = 'shipped' | 'tuned';

export interface PeerRun {
  peer: PeerName;
  variant: Variant;
  /** versions of the peer's packages, from its lock */
  versions: Record<string, string>;
  levels: { concurrency: number; summary: Summary }[];
  checks: Check[];
}

export interface PeersResult {
  runs: PeerRun[];
  /** ms each peer's `npm ci` took in this run; absent when it was installed already */
  installMs: Partial<Record<PeerName, number>>;
}

/** What the bench run shares with the peers: its work folder, its load processes, and the same users, money and prices. */
export interface PeerContext {
  work: string;
  loads: Set<ChildProcess>;
  track: (child: Child) => Child;
  setup: { deposit: number; withdrawal: number };
  prices: Pick<LoadPlan, 'affordablePrice' | 'unaffordablePrice'>;
}

const PEERS_DIR = join(import.meta.dirname, 'peers');
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** `npm ci` in bench/peers/<peer>/ unless it was installed from the lock as it is now; the ms it took, or undefined. */
export async function installPeer(peer: PeerName): Promise<number | undefined> {
  const dir = join(PEERS_DIR, peer);
  const wanted = sha256(await readFile(join(dir, 'package-lock.json')));
  const marker = join(dir, 'node_modules', '.installed-lock.sha256');
  if ((await readFile(marker, 'utf8').catch(() => '')) === wanted) return undefined;
  progress(`installing the ${peer} peer into bench/peers/${peer}/ (its own lock, npm ci)…`, true);
  const started = performance.now();
  // npm runs on the Node running the bench (the project's Node 24). No install scripts: restate-server's binary
  // comes in its per-platform optional package, and the only script in either tree is an analytics ping (@scarf/scarf).
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  await promisify(execFile)('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 });
  await writeFile(marker, wanted);
  return Math.round(performance.now() - started);
}

async function versionsOf(peer: PeerName): Promise<Record<string, string>> {
  const lock = JSON.parse(await readFile(join(PEERS_DIR, peer, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const names = Object.keys((lock.packages[''] as { dependencies?: Record<string, string> }).dependencies ?? {});
  return Object.fromEntries(names.map((name) => [name, lock.packages[`node_modules/${name}`]?.version ?? '?']));
}

/** The floor's checks, named for the peer, and what only a peer can get wrong: a balance below zero, a payment twice. */
async function checkPeer(name: string, url: string, records: Phase['records']): Promise<Check[]> {
  const checks = (await checkFloor(url, records)).map((c) => ({ ...c, name: c.name.replace(/^floor:/, `${name}:`) }));
  const v = (await (await fetch(`${url}/verify`)).json()) as Record<string, number>;
  checks.push({ name: `${name}: no negative balance`, ok: v.negative_balances === 0, detail: `${v.negative_balances} negative`, fatal: true });
  if (v.stray_payments !== undefined) {
    checks.push({ name: `${name}: no order charged twice or charged and not paid`, ok: v.stray_payments === 0, detail: `${v.stray_payments} stray`, fatal: true });
  }
  return checks;
}

async function runPeer(options: Options, context: PeerContext, peer: PeerName, variant: Variant): Promise<PeerRun> {
  const name = `${peer} ${variant}`;
  progress(`starting ${name}…`, true);
  const child = context.track(
    await startChild({
      name,
      args: [join(PEERS_DIR, peer, 'server.ts')],
      env: { PORT: '0', DATA_DIR: join(context.work, `peer-${peer}-${variant}`), TUNED: variant === 'tuned' ? '1' : '0' },
      urlPattern: new RegExp(`${peer} listening on (http://[\\d.]+:\\d+)`),
    }),
  );
  const response = await fetch(`${child.url}/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ users: options.users, ...context.setup }),
  });
  if (response.status !== 201) throw new Error(`${name}: setup answered ${response.status}: ${await response.text()}`);
  const { users } = (await response.json()) as { users: LoadPlan['users'] };
  const levels: PeerRun['levels'] = [];
  const records: Phase['records'] = [];
  for (const concurrency of options.concurrency) {
    const label = `${name} c=${concurrency}`;
    progress(`[${label}] load…`, true);
    const plan: LoadPlan = {
      urls: [`${child.url}/orders`],
      users,
      concurrency,
      warmupMs: options.warmupS * 1000,
      durationMs: options.durationS * 1000,
      unaffordableShare: options.unaffordableShare,
      ...context.prices,
      seed: options.seed + concurrency,
    };
    const { done, sampler } = await runLoad(context.loads, child, label, plan);
    const phase: Phase = { target: `peer ${name}`, concurrency, records: done.records, usage: sampler.stop(done), wallStart: Date.now() };
    levels.push({ concurrency, summary: summarise(phase, options.durationS) });
    records.push(...done.records);
  }
  progress(`[${name}] checking…`, true);
  const checks = await checkPeer(name, child.url, records);
  const exit = await child.stop();
  if (exit.code !== 0) checks.push({ name: `${name} stopped cleanly`, ok: false, detail: `exit ${exit.code ?? exit.signal}`, fatal: false });
  return { peer, variant, versions: await versionsOf(peer), levels, checks };
}

/** Every peer in every variant asked for, one after another, each on a fresh data folder. */
export async function runPeers(options: Options, context: PeerContext): Promise<PeersResult> {
  const result: PeersResult = { runs: [], installMs: {} };
  for (const peer of PEERS) {
    const ms = await installPeer(peer);
    if (ms !== undefined) result.installMs[peer] = ms;
  }
  for (const peer of PEERS) for (const variant of options.peerVariants) result.runs.push(await runPeer(options, context, peer, variant));
  return result;
}

/** Prints the peers' table after the summary, and writes their figures beside the run's JSON. */
export async function reportPeers(peers: PeersResult, levels: Level[], out: string, stamp: string): Promise<void> {
  console.log(peerLines(peers, levels).join('\n'));
  await writeFile(join(out, `${stamp}-peers.json`), `${JSON.stringify(peers, null, 2)}\n`);
}

/** The peers' table: the same figures as streamshop's, and each peer's orders/s over the floor's at that level in this run. */
export function peerLines(peers: PeersResult, levels: Level[]): string[] {
  const floorAt = (concurrency: number) => levels.find((l) => l.concurrency === concurrency)?.floor?.throughput;
  const row = (label: string, s: Summary, floor: number | undefined) => [
    label,
    cell(s.throughput),
    compact(s.latencyToFinalMs.p50),
    compact(s.latencyToFinalMs.p99),
    cell(s.cpuMsPerOrder, 2),
    floor ? `${((s.throughput / floor) * 100).toFixed(1)} %` : '-',
    cell(s.usage.otherCores, 2),
    String(s.errors),
  ];
  const rows = levels.flatMap((level) => [
    ...(level.floor ? [row(`floor c=${level.concurrency}`, level.floor, level.floor.throughput)] : []),
    row(`streamshop c=${level.concurrency}`, level.streamshop, floorAt(level.concurrency)),
    ...peers.runs.flatMap((run) =>
      run.levels.filter((l) => l.concurrency === level.concurrency).map((l) => row(`${run.peer} ${run.variant} c=${l.concurrency}`, l.summary, floorAt(l.concurrency))),
    ),
  ]);
  const versionsByPeer = new Map(peers.runs.map((run) => [run.peer, run.versions]));
  const versions = [...versionsByPeer].map(([peer, v]) => `${peer}: ${Object.entries(v).map(([n, version]) => `${n}@${version}`).join(' ')}`);
  const installs = Object.entries(peers.installMs).map(([peer, ms]) => `${peer} ${(ms / 1000).toFixed(1)} s`);
  const lines = [
    '',
    wrap('peers: the same business on DBOS Transact and Restate, same client and levels (no token check on the peers)'),
    '',
    table(['', 'orders/s', 'final p50', 'p99', 'cpu ms/order', 'of the floor', 'other cores', 'err'], rows, WIDTH),
    wrap(
      "cpu ms/order: the target's process tree (Node.js, PostgreSQL, restate-server); of the floor: orders/s over the floor's " +
        'after streamshop at the same level, this run; other cores: the noise, cores kept busy by processes that are neither ' +
        'the target nor the load. A peer answers after its letter is stored: its letter latency is its final latency',
    ),
    ...versions.map((line) => wrap(line, WIDTH, '  ')),
    ...(installs.length ? [wrap(`installed on first use in this run: ${installs.join(', ')}`)] : []),
    '(their correctness checks are in the list above)',
  ];
  return lines.join('\n').split('\n');
}
