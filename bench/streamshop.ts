/**
 * Talking to streamshop through its public HTTP API only: users and money before the run, "has
 * every event been handled?" between runs, and afterwards every user's orders, ledger and letters,
 * from which the correctness checks and the stage timings are computed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { OrderRecord } from './load.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** a failed fatal check makes the run FAILED; the others are reported */
  fatal: boolean;
}

export interface Order {
  id: string;
  userId: string;
  price: number;
  status: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}
export interface Transaction {
  transactionId: string;
  type: 'deposit' | 'withdrawal' | 'payment' | 'refund';
  amount: number;
  balance: number;
  orderId?: string;
  createdAt: string;
}
export interface Letter {
  id: string;
  kind: string;
  orderId?: string;
  createdAt: string;
}

export interface UserState {
  userId: string;
  balance: number;
  orders: Order[];
  transactions: Transaction[];
  letters: Letter[];
}

/** Server-side timestamps of one order, as epoch ms. */
export interface OrderTimes {
  created: number;
  decided?: number;
  final: number;
  letter?: number;
}

/** A user of the run, signed in: the load places their orders with their token. */
export interface BenchUser {
  id: string;
  token: string;
}

async function call<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

async function expect<T>(base: string, method: string, path: string, status: number, body?: unknown, token?: string): Promise<T> {
  const response = await call<T>(base, method, path, body, token);
  if (response.status !== status) {
    throw new Error(`${method} ${path} answered ${response.status}, expected ${status}: ${JSON.stringify(response.body).slice(0, 300)}`);
  }
  return response.body;
}

/** An access token for the address and password. */
export async function logIn(base: string, email: string, password: string): Promise<string> {
  return (await expect<{ accessToken: string }>(base, 'POST', '/users/login', 200, { email, password })).accessToken;
}

/** Users registered and logged in over HTTP, each with an account opened by billing (an event), a deposit and a withdrawal. */
export async function createUsers(base: string, count: number, money: { deposit: number; withdrawal: number }, tag: string): Promise<BenchUser[]> {
  return pLimit(8).map(Array.from({ length: count }, (_, i) => i), async (i) => {
    const email = `bench-${tag}-${i}@example.com`;
    const password = `bench-${crypto.randomUUID()}`;
    const { id } = await expect<{ id: string }>(base, 'POST', '/users', 201, { email, name: 'Bench User', password });
    const token = await logIn(base, email, password);
    const deadline = Date.now() + 30_000;
    while ((await call(base, 'GET', `/billing/accounts/${id}`, undefined, token)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`no account for user ${id} after 30 s`);
      await sleep(20);
    }
    await expect(base, 'POST', `/billing/accounts/${id}/deposits`, 201, { amount: money.deposit }, token);
    await expect(base, 'POST', `/billing/accounts/${id}/withdrawals`, 201, { amount: money.withdrawal }, token);
    return { id, token };
  });
}

const SERVICES = ['users', 'billing', 'orders', 'notifications'];

/** Events committed to an outbox but not yet handled by every consumer, over all services (from /metrics). */
async function unpublished(base: string): Promise<number> {
  let total = 0;
  for (const service of SERVICES) {
    const metrics = await expect<string>(base, 'GET', `/${service}/metrics`, 200);
    const match = /^outbox_unpublished_events(?:\{[^}]*\})? (\S+)$/m.exec(metrics);
    const value = Number(match?.[1]);
    if (!Number.isFinite(value)) throw new Error(`no outbox_unpublished_events in /${service}/metrics`);
    total += value;
  }
  return total;
}

/** Rows kept per messaging table, over the four services (the table_rows gauges of their /metrics). */
export async function tableSizes(base: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const service of SERVICES) {
    const metrics = await expect<string>(base, 'GET', `/${service}/metrics`, 200);
    for (const match of metrics.matchAll(/^table_rows\{[^}]*table="([^"]+)"[^}]*\} (\S+)$/gm)) {
      sizes[match[1] as string] = (sizes[match[1] as string] ?? 0) + Number(match[2]);
    }
  }
  return sizes;
}

/**
 * Waits until every outbox is empty twice in a row: the in-process bus marks an event published
 * only after every consumer committed, so then nothing is left in flight. Returns the ms it took.
 */
export async function drain(base: string, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while (quiet < 2) {
    if (performance.now() - started > timeoutMs) throw new Error(`events still unhandled after ${timeoutMs / 1000} s`);
    quiet = (await unpublished(base)) === 0 ? quiet + 1 : 0;
    if (quiet < 2) await sleep(100);
  }
  return performance.now() - started;
}

async function allPages<T extends { id?: string; transactionId?: string }>(base: string, path: string, token: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: { items: T[]; nextCursor: string | null } = await expect(
      base,
      'GET',
      `${path}${separator}limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      200,
      undefined,
      token,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Every user's state, read by the operator (the users' own tokens may have expired by now). */
export async function collect(base: string, users: BenchUser[], operatorToken: string): Promise<UserState[]> {
  return pLimit(8).map(users, async ({ id }) => ({
    userId: id,
    balance: (await expect<{ balance: number }>(base, 'GET', `/billing/accounts/${id}`, 200, undefined, operatorToken)).balance,
    orders: await allPages<Order>(base, `/orders?userId=${id}`, operatorToken),
    transactions: await allPages<Transaction>(base, `/billing/accounts/${id}/transactions`, operatorToken),
    letters: await allPages<Letter>(base, `/notifications?userId=${id}`, operatorToken),
  }));
}

/** The correctness of a run, from what the load placed and what the API says now. */
export function checkStreamshop(records: OrderRecord[], users: UserState[]): { checks: Check[]; times: Map<string, OrderTimes> } {
  const placed = records.filter((r) => r.http === 201 && r.orderId);
  const failedRequests = records.length - placed.length;
  const byId = new Map(placed.map((r) => [r.orderId as string, r]));
  const problems = {
    notFinal: [] as string[],
    unknown: [] as string[],
    missing: 0,
    unexpected: [] as string[],
    payments: [] as string[],
    money: [] as string[],
    letters: [] as string[],
  };
  const times = new Map<string, OrderTimes>();
  let listed = 0;
  let paid = 0;
  let paymentLines = 0;

  for (const user of users) {
    const payments = new Map<string, Transaction[]>();
    for (const line of user.transactions.filter((t) => t.type === 'payment')) {
      payments.set(line.orderId ?? '', [...(payments.get(line.orderId ?? '') ?? []), line]);
      paymentLines++;
    }
    const letters = new Map<string, Letter[]>();
    for (const letter of user.letters.filter((l) => l.orderId)) {
      letters.set(letter.orderId as string, [...(letters.get(letter.orderId as string) ?? []), letter]);
    }
    for (const order of user.orders) {
      listed++;
      const record = byId.get(order.id);
      if (!record) problems.unknown.push(order.id);
      if (order.status !== 'paid' && order.status !== 'rejected') problems.notFinal.push(order.id);
      if (record) {
        const expected = record.affordable ? 'paid' : 'rejected';
        if (order.status !== expected || (expected === 'rejected' && order.reason !== 'insufficient_funds')) {
          problems.unexpected.push(`${order.id}: ${order.status}/${order.reason ?? ''}, expected ${expected}`);
        }
      }
      const lines = payments.get(order.id) ?? [];
      if (order.status === 'paid') paid++;
      const wantLines = order.status === 'paid' ? 1 : 0;
      if (lines.length !== wantLines || (lines[0] && lines[0].amount !== order.price)) {
        problems.payments.push(`${order.id} (${order.status}): ${lines.length} payment lines`);
      }
      const orderLetters = letters.get(order.id) ?? [];
      const kind = order.status === 'paid' ? 'order_paid' : 'order_rejected';
      if (orderLetters.length !== 1 || orderLetters[0]?.kind !== kind) {
        problems.letters.push(`${order.id} (${order.status}): ${orderLetters.map((l) => l.kind).join(',') || 'no letter'}`);
      }
      times.set(order.id, {
        created: Date.parse(order.createdAt),
        final: Date.parse(order.updatedAt),
        ...(lines[0] ? { decided: Date.parse(lines[0].createdAt) } : {}),
        ...(orderLetters[0] ? { letter: Date.parse(orderLetters[0].createdAt) } : {}),
      });
      letters.delete(order.id);
      payments.delete(order.id);
    }
    for (const orderId of letters.keys()) problems.letters.push(`letter for unknown order ${orderId}`);
    for (const orderId of payments.keys()) problems.payments.push(`payment for unknown order ${orderId}`);

    // balance = deposits − withdrawals − payments + refunds, and every line's running balance agrees (oldest first).
    let running = 0;
    const sums = { deposit: 0, withdrawal: 0, payment: 0, refund: 0 };
    for (const line of [...user.transactions].reverse()) {
      sums[line.type] += line.amount;
      running += line.type === 'deposit' || line.type === 'refund' ? line.amount : -line.amount;
      if (line.balance !== running) problems.money.push(`${user.userId}: line ${line.transactionId} says ${line.balance}, sum is ${running}`);
    }
    const expected = sums.deposit - sums.withdrawal - sums.payment + sums.refund;
    if (user.balance !== expected) problems.money.push(`${user.userId}: balance ${user.balance} ≠ ${sums.deposit} − ${sums.withdrawal} − ${sums.payment} + ${sums.refund}`);
  }
  for (const id of byId.keys()) if (!times.has(id)) problems.missing++;

  const show = (list: string[]) => (list.length ? `: ${list.slice(0, 3).join('; ')}${list.length > 3 ? ' …' : ''}` : '');
  const pendingAnswers = placed.filter((r) => r.status === 'pending').length;
  const checks: Check[] = [
    { name: 'every request answered 201', ok: failedRequests === 0, detail: `${failedRequests} of ${records.length} failed`, fatal: true },
    {
      name: 'every order final',
      ok: problems.notFinal.length === 0 && problems.missing === 0,
      detail: `${listed} listed, ${problems.notFinal.length} not final, ${problems.missing} placed but not listed${show(problems.notFinal)}`,
      fatal: true,
    },
    { name: 'no orders nobody placed', ok: problems.unknown.length === 0, detail: `${problems.unknown.length} unknown${show(problems.unknown)}`, fatal: true },
    {
      name: 'outcomes as expected (affordable paid, others rejected)',
      ok: problems.unexpected.length === 0,
      detail: `${problems.unexpected.length} unexpected${show(problems.unexpected)}`,
      fatal: true,
    },
    {
      name: 'ledger payment lines = paid orders',
      ok: problems.payments.length === 0 && paymentLines === paid,
      detail: `${paymentLines} payment lines, ${paid} paid orders${show(problems.payments)}`,
      fatal: true,
    },
    {
      name: 'money conserved per account',
      ok: problems.money.length === 0,
      detail: `${users.length} accounts, ${problems.money.length} disagree${show(problems.money)}`,
      fatal: true,
    },
    { name: 'one letter per order', ok: problems.letters.length === 0, detail: `${problems.letters.length} wrong${show(problems.letters)}`, fatal: true },
    {
      name: 'answered final within Prefer: wait=30',
      ok: pendingAnswers === 0,
      detail: `${pendingAnswers} answered pending`,
      fatal: false,
    },
  ];
  return { checks, times };
}
