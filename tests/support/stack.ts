import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pLimit from 'p-limit';
import postgres from 'postgres';
import { findNatsServer, type Stack, type StackOptions, startStack } from '../../scripts/stack.ts';
import { type ServiceName, serviceNames } from '../../src/platform/runtime/index.ts';
import type { Sql } from '../../src/platform/database/index.ts';
import { createLogger } from '../../src/platform/observability/index.ts';
import { connectNatsBus, streamsOf } from '../../src/platform/messaging/nats/index.ts';
import { services } from '../../src/services/index.ts';
import { type Api, assertLedgerConsistent, client, eventually, type Member, TEST_ADMIN } from './api.ts';
import { noBus, type TestSystem } from './system.ts';
import { styleUnderTest } from './topology.ts';
import type { InteractionStyle } from '../../src/platform/runtime/index.ts';

/** Why the stack cannot run here, or undefined when it can: nats-server on PATH, or NATS_URL set. */
export function natsUnavailableReason(): string | undefined {
  if (process.env.NATS_URL) return undefined;
  try {
    findNatsServer();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function natsAvailable(): boolean {
  return natsUnavailableReason() === undefined;
}

/**
 * The `skip` option of a stack fault test: they run whenever NATS is there (nats-server on PATH, or NATS_URL), and
 * are skipped with the reason otherwise; under REQUIRE_NATS=1 (as in CI) they run and a missing NATS fails them.
 */
export function skipWithoutNats(): string | false {
  const reason = natsUnavailableReason();
  if (!reason || process.env.REQUIRE_NATS === '1') return false;
  return `stack tests need NATS: ${reason}`;
}

/** Fails with a clear message when there is no NATS to start the stack with (under REQUIRE_NATS=1, say). */
export function assertNatsAvailable(): void {
  const reason = natsUnavailableReason();
  if (reason) throw new Error(`the stack tests cannot run: ${reason}`);
}

export interface StackTestSystem extends TestSystem {
  /** Process control for fault injection: kill/restart replicas, stop/start NATS and PostgreSQL. */
  stack: Stack;
}

export interface StackTestSystemOptions {
  dataDir?: string;
  /** INTERACTION_STYLE and other settings of the service processes; the style defaults to the suite's. */
  env?: Record<string, string>;
  replicas?: StackOptions['replicas'];
  natsCluster?: StackOptions['natsCluster'];
}

let exitingOnSignals = false;

/**
 * The stack's processes run detached, so that Ctrl-C reaches only the stack. A test process interrupted
 * by a signal must therefore exit through process.exit, whose exit hook (in startStack) kills them.
 */
function exitOnSignals(): void {
  if (exitingOnSignals) return;
  exitingOnSignals = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => process.exit(code));
  }
}

/**
 * The production topology (NATS, PostgreSQL, one process per service replica, the forwarding gateway)
 * on free ports with its own data folder, behind the same TestSystem interface as the embedded default.
 */
export async function startStackSystem(options: StackTestSystemOptions = {}): Promise<StackTestSystem> {
  if ((options.env?.INTERACTION_STYLE ?? styleUnderTest) !== 'http') assertNatsAvailable();
  exitOnSignals();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'streamshop-stack-')));
  const level = process.env.TEST_LOG_LEVEL ?? 'silent';
  const log = createLogger(level, 'stack-test');
  const stack = await startStack({
    dataDir,
    port: 0,
    natsPort: 0,
    pgPort: 0,
    log,
    logLevel: process.env.STACK_LOG_LEVEL ?? 'warn',
    admin: TEST_ADMIN,
    style: (options.env?.INTERACTION_STYLE as InteractionStyle | undefined) ?? styleUnderTest,
    ...(options.env ? { env: options.env } : {}),
    ...(process.env.NATS_URL ? { natsUrl: process.env.NATS_URL } : {}),
    ...(options.replicas ? { replicas: options.replicas } : {}),
    ...(options.natsCluster ? { natsCluster: options.natsCluster } : {}),
  });
  try {
    // The http style has no broker: there is nothing to publish to, and a test that tries is told so.
    const bus = !stack.natsUrl ? noBus : await connectNatsBus({
      servers: stack.natsUrl,
      name: 'test',
      log,
      streams: streamsOf(Object.keys(services)),
      streamReplicas: stack.nats?.nodes.length ?? 1,
      // An injected event may be published twice on purpose: the consumers' inbox, not the server, must drop the copy.
      messageId: (event) => `${event.id}:${randomUUID()}`,
    });
    const connections = new Map<ServiceName, Sql>();
    return {
      url: stack.url,
      bus,
      dataDir,
      signingKeysFile: join(dataDir, 'auth', 'signing-keys.json'),
      stack,
      serviceUrls: (service) => Array.from({ length: stack.replicas[service] }, (_, i) => stack.replicaUrl(service, i)),
      database(service) {
        const sql = connections.get(service) ?? postgres(stack.databaseUrl(service), { max: 2, onnotice: () => {} });
        connections.set(service, sql);
        return sql;
      },
      databaseUrl: (service) => stack.databaseUrl(service),
      internalUrl() {
        if (!stack.internalUrl) throw new Error('this style has no internal endpoints');
        return stack.internalUrl;
      },
      pause: (service) => signalReplicas(stack, service, 'SIGSTOP'),
      resume: (service) => signalReplicas(stack, service, 'SIGCONT'),
      async stop() {
        for (const sql of connections.values()) await sql.end({ timeout: 1 });
        await bus.close();
        await stack.stop();
        if (options.dataDir) return;
        if (process.env.KEEP_STACK_DATA === '1') console.log(`stack data and service logs kept in ${dataDir}`);
        else await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Sends a signal to every replica of a service (SIGSTOP freezes it in place, SIGCONT thaws it). */
async function signalReplicas(stack: Stack, service: ServiceName, signal: NodeJS.Signals): Promise<void> {
  for (let index = 0; index < stack.replicas[service]; index++) {
    const pid = stack.pid(service, index);
    if (pid) process.kill(pid, signal);
  }
}

/** A signed-in user and the money they put on their account. */
export type FundedUser = Member & { deposit: number };

interface Order {
  id: string;
  status: 'pending' | 'paid' | 'rejected';
  price: number;
}

/** What a burst saw: every answer that was not the success, by status and content type. */
export interface BurstReport {
  placed: string[];
  /** e.g. { "503 application/problem+json": 12 } */
  failures: Record<string, number>;
}

/**
 * Places every order of every user, `concurrency` at a time, as a careful client does: each order has an
 * Idempotency-Key and is retried with it on 502/503 until it is placed. `onPlaced(n)` sees the running count.
 */
export async function placeOrders(
  orders: { user: Member; price: number }[],
  options: { concurrency?: number; onPlaced?: (placed: number) => Promise<void> | void; deadlineMs?: number } = {},
): Promise<BurstReport> {
  const queue = orders.map((order) => ({ ...order, key: randomUUID() }));
  const report: BurstReport = { placed: [], failures: {} };
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  async function worker(): Promise<void> {
    for (let order = queue.shift(); order; order = queue.shift()) {
      for (;;) {
        const response = await order.user
          .post('/orders', { userId: order.user.id, price: order.price }, { 'idempotency-key': order.key })
          .catch((error: Error) => ({ status: 0, headers: new Headers(), body: error.message }));
        if (response.status === 201) {
          report.placed.push(response.body.id);
          await options.onPlaced?.(report.placed.length);
          break;
        }
        const kind = `${response.status} ${response.headers.get('content-type')?.split(';')[0] ?? '-'}`;
        report.failures[kind] = (report.failures[kind] ?? 0) + 1;
        if (![0, 502, 503].includes(response.status) || Date.now() > deadline) {
          throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(response.body)}`);
        }
        await sleep(100);
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return report;
}

export interface Outcome {
  users: number;
  orders: number;
  paid: number;
  rejected: number;
  charges: number;
  letters: number;
  moneyBefore: number;
  moneyAfter: number;
  paidTotal: number;
}

/**
 * Waits until every order of these users is final and has its letter, then checks what a user would:
 * each paid order charged exactly once and no rejected one charged, the ledger adds up per account,
 * money before = money after + what was paid, one letter per order of the right kind. Returns the counts.
 */
export async function settleAndCheck(
  system: Pick<TestSystem, 'database'>,
  users: FundedUser[],
  expectedOrders: number,
  timeoutMs = 60_000,
): Promise<Outcome> {
  const perUser = await eventually(
    () =>
      Promise.all(
        users.map(async (user) => {
          const items: Order[] = await user.orders();
          assert.ok(items.every((o) => o.status !== 'pending'), `user ${user.id} still has pending orders`);
          const letters = (await user.letters()).filter((l) => l.orderId);
          assert.equal(letters.length, items.length, `user ${user.id}: ${letters.length} letters for ${items.length} orders`);
          return { user, orders: items, letters };
        }),
      ).then((all) => {
        assert.equal(all.reduce((n, u) => n + u.orders.length, 0), expectedOrders, 'orders placed');
        return all;
      }),
    { timeoutMs, intervalMs: 250 },
  );

  const outcome: Outcome = { users: users.length, orders: 0, paid: 0, rejected: 0, charges: 0, letters: 0, moneyBefore: 0, moneyAfter: 0, paidTotal: 0 };
  for (const { user, orders, letters } of perUser) {
    const lines = await user.transactions();
    const balance = await user.balance();
    assertLedgerConsistent(lines, balance);
    const payments = lines.filter((l) => l.type === 'payment');
    const paid = orders.filter((o) => o.status === 'paid');
    const chargedOrders = payments.map((p) => p.orderId).sort();
    assert.deepEqual(chargedOrders, paid.map((o) => o.id).sort(), `user ${user.id}: payment lines must be exactly the paid orders, once each`);
    for (const order of orders) {
      const mine = letters.filter((l) => l.orderId === order.id);
      assert.equal(mine.length, 1, `order ${order.id} has ${mine.length} letters`);
      assert.equal(mine[0].kind, order.status === 'paid' ? 'order_paid' : 'order_rejected');
    }
    outcome.orders += orders.length;
    outcome.paid += paid.length;
    outcome.rejected += orders.length - paid.length;
    outcome.charges += payments.length;
    outcome.letters += letters.length;
    outcome.moneyBefore += user.deposit;
    outcome.moneyAfter += balance;
    outcome.paidTotal += paid.reduce((sum, o) => sum + o.price, 0);
  }
  assert.equal(outcome.moneyBefore, outcome.moneyAfter + outcome.paidTotal, 'money is conserved: deposits = balances + payments');

  // The databases' own word: no order charged twice, no letter twice, nothing dead-lettered.
  const [twice] = await system.database('billing')<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (SELECT order_id FROM ledger WHERE type = 'payment' GROUP BY order_id HAVING count(*) > 1) t`;
  assert.equal(twice?.n, 0, 'orders charged more than once');
  for (const service of serviceNames) {
    const [dead] = await system.database(service)<{ n: number }[]>`SELECT count(*)::int AS n FROM dead_letters`;
    assert.equal(dead?.n, 0, `${service} dead-lettered events`);
  }
  // And nothing is left behind in an outbox.
  await eventually(
    async () => {
      for (const service of serviceNames) {
        const [row] = await system.database(service)<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
        assert.equal(row?.n, 0, `${service} has unpublished events`);
      }
    },
    { timeoutMs: 15_000, intervalMs: 250 },
  );
  return outcome;
}

/** Users with an open account and `deposit` on it, created a few at a time. */
export function usersWithMoney(api: Api, count: number, deposit: number): Promise<FundedUser[]> {
  return pLimit(5).map(Array.from({ length: count }), async () => ({ ...(await api.userWithAccount(deposit)), deposit }));
}

/** Whether one replica says it is ready, asked directly (not through the gateway). */
export async function replicaReady(stack: Stack, service: ServiceName, index: number): Promise<boolean> {
  const response = await fetch(`${stack.replicaUrl(service, index)}/${service}/health/ready`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
  return response?.status === 200;
}

/** Waits until every replica of every service says it is ready (`true`), or that none is (`false`). */
export async function untilEveryReplicaReady(stack: Stack, ready: boolean, timeoutMs: number): Promise<void> {
  await eventually(
    async () => {
      for (const [service, index] of allReplicas(stack)) {
        assert.equal(await replicaReady(stack, service, index), ready, `${service}-${index + 1} ${ready ? 'not ready' : 'ready'}`);
      }
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Every replica of every service, as [service, index]. */
export function allReplicas(stack: Stack): [ServiceName, number][] {
  return serviceNames.flatMap((service) => Array.from({ length: stack.replicas[service] }, (_, i) => [service, i] as [ServiceName, number]));
}

export function printCounts(test: string, counts: Record<string, unknown>): void {
  console.log(`[${test}] ${Object.entries(counts).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')}`);
}

/** Removes the stack's data folder, unless KEEP_STACK_DATA=1 (then it says where the logs are). */

/** The node that leads a stream of a JetStream cluster, by its server name, and the replicas it has. */
export async function streamLeader(natsUrl: string, stream: string): Promise<{ leader: string; replicas: number }> {
  const nc = await connect({ servers: natsUrl.split(','), name: 'test-inspector' });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    return { leader: info.cluster?.leader ?? '', replicas: info.config.num_replicas };
  } finally {
    await nc.close();
  }
}

/** What NATS knows of a durable consumer: not yet delivered, delivered but not acknowledged. */
export async function consumerState(natsUrl: string, stream: string, consumer: string): Promise<{ pending: number; ackPending: number; delivered: number }> {
  const nc = await connect({ servers: natsUrl.split(','), name: 'test-inspector' });
  try {
    const info = await (await jetstreamManager(nc)).consumers.info(stream, consumer);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, delivered: info.delivered.stream_seq };
  } finally {
    await nc.close();
  }
}

/** The fault tests' burst: 3 of a user's 5 orders fit in the deposit, so 60 paid and 40 rejected whatever the order of events. */
export const burst = { users: 20, ordersPerUser: 5, deposit: 10_000, price: 3_000, paid: 60, rejected: 40 };

/** A stack for one test (stopped after it), its funded users, and the burst of orders they are about to place. */
export async function startBurstScenario(t: TestContext, options: StackTestSystemOptions = {}) {
  const system = await startStackSystem(options);
  t.after(() => system.stop());
  const api = client(system.url);
  const users = await usersWithMoney(api, burst.users, burst.deposit);
  const orders = users.flatMap((user) => Array.from({ length: burst.ordersPerUser }, () => ({ user, price: burst.price })));
  return { system, stack: system.stack, api, users, orders };
}
