/**
 * The Restate peer: restate-server (the binary of @restatedev/restate-server's per-platform package, run
 * without install scripts), the services of ./services.ts on the TypeScript SDK's HTTP/2 endpoint
 * (`restate.serve`, docs.restate.dev/develop/ts/serving), registered with the admin API as the quickstart
 * does (`POST /deployments`), and the bench's HTTP API (../http.ts) in front: POST /orders calls the order
 * workflow through Restate's ingress (`POST /order/<orderId>/run`, docs: invoke via HTTP) and answers with
 * its result. The front is a hop the floor does not have, as a gateway would be; it is in this process.
 *
 * Env: PORT (0 = free), DATA_DIR (Restate's base dir), TUNED=1 for the tuned variant (below).
 * Prints "restate listening on http://127.0.0.1:<port>"; SIGTERM stops the front, then restate-server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as restate from '@restatedev/restate-sdk';
import closeWithGrace from 'close-with-grace';
import { newId } from '../../../src/platform/common/index.ts';
import { type PeerOrder, servePeer } from '../http.ts';
import { account, mailbox, order } from './services.ts';
import { verifyState } from './verify.ts';

/**
 * Tuned for this machine (TUNED=1), durability left on (the log and RocksDB still fsync): as many partitions as
 * cores (the default 24 are sized for large nodes; each is a partition processor with its own RocksDB column
 * families and loop): at c = 32 on two cores, 2 partitions took 14-15 ms of CPU per order, 4 took 15-20 and 24
 * took 21-22 (TUNED_PARTITIONS overrides it); and the memory pools of the docs' small configuration
 * (docs.restate.dev/server/memory).
 */
const TUNING: Record<string, string> = {
  RESTATE_DEFAULT_NUM_PARTITIONS: process.env.TUNED_PARTITIONS ?? '2',
  RESTATE_ROCKSDB_TOTAL_MEMORY_SIZE: '1 GiB',
  RESTATE_ADMIN__QUERY_ENGINE__MEMORY_SIZE: '256 MiB',
  RESTATE_BIFROST__RECORD_CACHE_MEMORY_SIZE: '128 MiB',
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** restate-server on free ports, its data in baseDir; resolves once its admin API answers. */
async function startRestateServer(baseDir: string, tuned: boolean) {
  const [ingress, admin, fabric] = [await freePort(), await freePort(), await freePort()];
  const binary = createRequire(import.meta.url).resolve(`@restatedev/restate-server-${platform()}-${arch()}/bin/restate-server`);
  const child: ChildProcess = spawn(binary, ['--base-dir', baseDir, '--listen-mode', 'tcp', '--no-logo'], {
    env: {
      ...process.env,
      RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingress}`,
      RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${admin}`,
      RESTATE_BIND_ADDRESS: `127.0.0.1:${fabric}`,
      RESTATE_ADVERTISED_ADDRESS: `http://127.0.0.1:${fabric}`,
      RESTATE_LOG_FILTER: 'warn',
      ...(tuned ? TUNING : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const adminUrl = `http://127.0.0.1:${admin}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`restate-server exited with ${child.exitCode}`);
    if (await fetch(`${adminUrl}/health`).then((r) => r.ok, () => false)) break;
    if (i > 600) throw new Error('restate-server: no admin API after 60 s');
    await sleep(100);
  }
  return { child, ingressUrl: `http://127.0.0.1:${ingress}`, adminUrl };
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One call through Restate's ingress, waiting for the handler's answer. */
function call<T>(ingressUrl: string, path: string, body: unknown): Promise<T> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${ingressUrl}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`${path}: ${res.statusCode} ${answer.slice(0, 300)}`));
          resolve((answer ? JSON.parse(answer) : undefined) as T);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function main(baseDir: string, port: number) {
  const tuned = process.env.TUNED === '1';
  const server = await startRestateServer(baseDir, tuned);
  const stopServer = async () => {
    if (server.child.exitCode !== null) return;
    const exited = new Promise((done) => server.child.once('exit', done));
    server.child.kill('SIGTERM');
    await Promise.race([exited, sleep(20_000).then(() => server.child.kill('SIGKILL'))]);
  };
  try {
    const endpointPort = await restate.serve({ services: [account, mailbox, order], port: await freePort() });
    const registered = await fetch(`${server.adminUrl}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri: `http://127.0.0.1:${endpointPort}` }),
    });
    if (!registered.ok) throw new Error(`registering the deployment: ${registered.status} ${await registered.text()}`);
  } catch (error) {
    await stopServer();
    throw error;
  }
  const { ingressUrl, adminUrl } = server;
  const front = await servePeer(
    {
      async setup(users, deposit, withdrawal) {
        const created: { id: string; token: string }[] = [];
        for (let i = 0; i < users; i++) {
          const id = randomUUID();
          await call(ingressUrl, `/account/${id}/open`, `restate-${id}@example.com`);
          await call(ingressUrl, `/account/${id}/move`, deposit);
          await call(ingressUrl, `/account/${id}/move`, -withdrawal);
          created.push({ id, token: 'unchecked' });
        }
        return created;
      },
      placeOrder: (userId, price) => call<PeerOrder>(ingressUrl, `/order/${newId()}/run`, { userId, price }),
      verify: () => verifyState(adminUrl),
    },
    port,
    (error) => console.error('request failed:', error),
  );
  console.log(`restate listening on ${front.url}`);
  closeWithGrace({ delay: 30_000 }, async () => {
    await front.stop();
    agent.destroy();
    await stopServer();
  });
}

const dataDir = process.env.DATA_DIR;
if (!dataDir) {
  console.error("DATA_DIR is required (Restate's base dir)");
  process.exit(2);
}
await main(dataDir, Number(process.env.PORT ?? 0));
