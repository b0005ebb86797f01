import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Child } from '../../bench/processes.ts';
import { freePort } from '../../src/platform/common/index.ts';
import { childrenOf, isAlive } from '../../src/platform/database/index.ts';
import { client, eventually, type Member } from '../support/api.ts';
import { databasesAt, type MainProcessOptions, postmasterPid, startMainProcess } from '../support/main-process.ts';
import { placeOrders, printCounts, settleAndCheck, usersWithMoney } from '../support/stack.ts';

// `npm start` as its user runs it, in a child process: signals, exit codes and what it prints are part of the test.

/** Short, to keep the test short: what it checks is that the stop keeps to it. */
const SHUTDOWN_TIMEOUT_MS = 4_000;
/** Node.js itself needs a moment to exit once the stop is done. */
const EXIT_SLACK_MS = 1_000;

/** A data folder and fixed ports for the test's streamshops, which it stops afterwards (printing what they said if it failed). */
async function place(t: TestContext, env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-lifecycle-'));
  const options: MainProcessOptions = { dataDir, port: await freePort(), pgPort: await freePort(), env };
  const children: Child[] = [];
  const start = async () => {
    const child = await startMainProcess(options);
    children.push(child);
    return child;
  };
  t.after(async () => {
    // `passed` is Node's (since 21.7), not yet in @types/node.
    if (!(t as TestContext & { passed: boolean }).passed) for (const child of children) console.log(`--- streamshop ${child.pid} said:\n${child.output().slice(-6000)}`);
    for (const child of children) await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { options, start, api: client(`http://127.0.0.1:${options.port}`) };
}

/** A streamshop started in a fresh place, with one user who paid one order of 2,500 from a deposit of 10,000. */
async function startWithOnePaidOrder(t: TestContext) {
  const placed = await place(t);
  const first = await placed.start();
  const user = await placed.api.userWithAccount(10_000);
  await assertPaysAnOrder(user);
  return { ...placed, first, user };
}

async function assertPaysAnOrder(user: Member): Promise<void> {
  assert.equal((await user.post('/orders', { userId: user.id, price: 2_500 }, { prefer: 'wait=10' })).body.status, 'paid');
}

test(
  'when the database hangs and streamshop gets SIGTERM, then it exits within SHUTDOWN_TIMEOUT naming what it cut, leaves no PostgreSQL behind, and the next start completes every order',
  { timeout: 240_000 },
  async (t) => {
    const { options, start, api } = await place(t, { SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS / 1000}s` });
    const first = await start();
    const users = await usersWithMoney(api, 10, 10_000);
    const orders = users.flatMap((user) => Array.from({ length: 5 }, () => ({ user, price: 3_000 })));

    // The whole server frozen (SIGSTOP to the postmaster and its backends): connections stay open, nothing answers.
    const postmaster = await postmasterPid(options.dataDir);
    const server = [postmaster];
    t.after(() => {
      for (const pid of server.filter(isAlive)) process.kill(pid, 'SIGKILL');
    });
    let frozen = false;
    const placing = placeOrders(orders, {
      concurrency: 8,
      deadlineMs: 120_000,
      onPlaced: async (placed) => {
        if (placed !== 15) return;
        process.kill(postmaster, 'SIGSTOP'); // first: it starts no backend after this
        server.push(...(await childrenOf(postmaster)));
        for (const pid of server) process.kill(pid, 'SIGSTOP');
        frozen = true;
      },
    });
    placing.catch(() => {}); // awaited below; if the test fails first, its retries end with the child
    await eventually(async () => assert.ok(frozen), { timeoutMs: 60_000 });
    // A request that is surely in flight when the signal comes: the database cannot answer it.
    const stuck = (users[0] as (typeof users)[number]).post('/orders', { userId: users[0]?.id, price: 100 }).catch(() => ({ status: 0 }));
    await eventually(async () => assert.equal((await api.get('/orders/health/ready')).status, 503), { timeoutMs: 10_000 });

    const signalledAt = Date.now();
    process.kill(first.pid, 'SIGTERM');
    const exit = await first.exited;
    const stopMs = Date.now() - signalledAt;
    const said = first.output();
    assert.ok(stopMs < SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS, `stopped after ${stopMs} ms`);
    assert.equal(exit.code, 1, 'work was cut short: the exit code says so');
    const cut = /stopped at the 4 s shutdown deadline \(SHUTDOWN_TIMEOUT\) without waiting any longer for: (.*)\. Nothing is lost/.exec(said)?.[1];
    assert.ok(cut, `no line says what the stop cut:\n${said.slice(-3000)}`);
    assert.match(cut, /HTTP requests/, 'the requests stuck on the database were cut');
    assert.equal((await stuck).status, 0, 'the stuck request was cut, not answered');
    await eventually(async () => assert.deepEqual(server.filter(isAlive), [], 'no process of the embedded PostgreSQL is left'), { timeoutMs: 5_000 });

    // The clients kept retrying with their Idempotency-Keys; the next start answers them.
    await start();
    const placed = await placing;
    const checking = databasesAt(options.pgPort);
    t.after(() => checking.close());
    const outcome = await settleAndCheck(checking, users, orders.length);
    assert.equal(outcome.paid, 30);
    assert.equal(outcome.rejected, 20);
    assert.equal(outcome.charges, outcome.paid);
    assert.equal(outcome.letters, orders.length);
    printCounts('embedded: SIGTERM with the database hung', { stopMs, exitCode: exit.code, cut, retried: placed.failures, ...outcome });
  },
);

test(
  'when the embedded PostgreSQL dies and cannot start again, then streamshop exits with code 1 saying why, and starts normally once the cause is gone',
  { timeout: 240_000 },
  async (t) => {
    const { options, start, first, user } = await startWithOnePaidOrder(t);

    // Its port taken as soon as it dies (by a program that hangs up on every connection): every restart fails.
    const postmaster = await postmasterPid(options.dataDir);
    process.kill(postmaster, 'SIGKILL');
    const squatter: Server = await eventually(
      () =>
        new Promise<Server>((listening, fail) => {
          const server = createServer((socket) => socket.destroy()).once('error', fail);
          server.listen(options.pgPort, '127.0.0.1', () => listening(server));
        }),
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    const killedAt = Date.now();
    t.after(() => new Promise((closed) => squatter.close(closed)));

    const exit = await first.exited;
    const exitedAfterMs = Date.now() - killedAt;
    const said = first.output();
    assert.equal(exit.code, 1);
    assert.match(said, /embedded PostgreSQL exited 6 times within 10 minutes and was not restarted again; the last time: .*could not create any TCP\/IP sockets/);
    assert.equal(isAlive(postmaster), false);

    await new Promise((closed) => squatter.close(closed));
    await start();
    assert.equal(await user.balance(), 7_500, 'the data is all there');
    await assertPaysAnOrder(user);
    printCounts('embedded: PostgreSQL cannot restart', { exitedAfterMs, exitCode: exit.code });
  },
);

test(
  'when streamshop itself is killed -9, then the next start stops the PostgreSQL it left running and goes on, and a second streamshop on the same data folder is refused',
  { timeout: 240_000 },
  async (t) => {
    const { options, start, first, user } = await startWithOnePaidOrder(t);

    const orphan = await postmasterPid(options.dataDir);
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    assert.ok(isAlive(orphan), 'its PostgreSQL outlived it');

    const second = await start();
    assert.match(second.output(), new RegExp(`stopping the embedded PostgreSQL \\(pid ${orphan}\\) left running by a streamshop that is gone \\(pid ${first.pid}\\)`));
    assert.equal(isAlive(orphan), false);
    assert.equal(await user.balance(), 7_500, 'the data is all there');

    const third = await startMainProcess(options).then(
      () => assert.fail('a second streamshop started on the same data folder'),
      (error: Error) => error.message,
    );
    assert.match(third, new RegExp(`exited with code 2 before it was ready:[^]*is in use by another streamshop \\(pid ${second.pid}\\)`));
  },
);
