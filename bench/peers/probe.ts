/**
 * One peer, tuned, with one setting at several values in turn, each on a fresh data folder: how the tuning in
 * bench/peers/<peer>/server.ts was chosen. Alternate the values, since the machine drifts between them.
 *
 *   node bench/peers/probe.ts dbos TUNED_POOL 10 5 20 10 5 20
 *   node bench/peers/probe.ts restate TUNED_PARTITIONS 2 4 24 2 4 24 [--concurrency 32] [--duration 8] [--users 50]
 */
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installPeer, PEERS, type PeerName } from '../peers.ts';
import { runLoad, summarise } from '../phases.ts';
import { startChild } from '../processes.ts';
import { progressDone } from '../progress.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string', default: '32' }, duration: { type: 'string', default: '8' }, users: { type: 'string', default: '50' } },
});
const [peer, setting, ...tries] = positionals;
if (!PEERS.includes(peer as PeerName) || !setting || tries.length === 0) {
  console.error('usage: node bench/peers/probe.ts dbos|restate SETTING value… [--concurrency 32] [--duration 8] [--users 50]');
  process.exit(2);
}
await installPeer(peer as PeerName);
const loads = new Set<ChildProcess>();
const [concurrency, durationS] = [Number(values.concurrency), Number(values.duration)];

for (const value of tries) {
  const work = await mkdtemp(join(tmpdir(), 'streamshop-probe-'));
  await chmod(work, 0o711);
  const child = await startChild({
    name: peer as string,
    args: [join(import.meta.dirname, peer as string, 'server.ts')],
    env: { PORT: '0', DATA_DIR: join(work, 'data'), TUNED: '1', [setting]: value },
    urlPattern: new RegExp(`${peer} listening on (http://[\\d.]+:\\d+)`),
  });
  try {
    const response = await fetch(`${child.url}/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ users: Number(values.users), deposit: 10_000_000_000, withdrawal: 1_000_000 }),
    });
    const { users } = (await response.json()) as { users: { id: string; token: string }[] };
    const plan = { urls: [`${child.url}/orders`], users, concurrency, warmupMs: 1000, durationMs: durationS * 1000, unaffordableShare: 0.2 };
    const prices = { affordablePrice: { min: 100, max: 10_000 }, unaffordablePrice: 1_000_000_000_000, seed: 42 };
    const { done, sampler } = await runLoad(loads, child, `${peer} ${setting}=${value}`, { ...plan, ...prices });
    const s = summarise({ target: `peer ${peer}`, concurrency, records: done.records, usage: sampler.stop(done), wallStart: Date.now() }, durationS);
    progressDone();
    console.log(
      `${peer} ${setting}=${value} c=${concurrency}: ${s.throughput} orders/s, p50 ${s.latencyToFinalMs.p50} ms, ` +
        `p99 ${s.latencyToFinalMs.p99} ms, ${s.cpuMsPerOrder} ms CPU/order, other cores ${s.usage.otherCores}, errors ${s.errors}`,
    );
  } finally {
    await child.stop();
    await rm(work, { recursive: true, force: true });
  }
}
