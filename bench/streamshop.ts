/**
 * Talking to streamshop through its public HTTP API only: users and money before the run, "has
 * every event been handled?" between runs, and afterwards every user's orders, ledger and letters,
 * from which the correctness checks and the stage timings are computed (bench/streamshop-checks.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';

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

/** One request to the API: a body is sent as JSON, a token as the bearer of the request. */
interface ApiRequest {
  method: string;
  path: string;
  body?: unknown;
  token?: string;
}

async function call<T>(base: string, { method, path, body, token }: ApiRequest): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

/** The body of the answer, which must have the status: anything else fails the run. */
async function expect<T>(base: string, request: ApiRequest, status: number): Promise<T> {
  const response = await call<T>(base, request);
  if (response.status !== status) {
    throw new Error(`${request.method} ${request.path} answered ${response.status}, expected ${status}: ${JSON.stringify(response.body).slice(0, 300)}`);
  }
  return response.body;
}

/** An access token for the address and password. */
export async function logIn(base: string, email: string, password: string): Promise<string> {
  return (await expect<{ accessToken: string }>(base, { method: 'POST', path: '/users/login', body: { email, password } }, 200)).accessToken;
}

/** Users registered and logged in over HTTP, each with an account opened by billing (an event), a deposit and a withdrawal. */
export async function createUsers(base: string, count: number, money: { deposit: number; withdrawal: number }, tag: string): Promise<BenchUser[]> {
  return pLimit(8).map(Array.from({ length: count }, (_, i) => i), async (i) => {
    const email = `bench-${tag}-${i}@example.com`;
    const password = `bench-${crypto.randomUUID()}`;
    const { id } = await expect<{ id: string }>(base, { method: 'POST', path: '/users', body: { email, name: 'Bench User', password } }, 201);
    const token = await logIn(base, email, password);
    const deadline = Date.now() + 30_000;
    while ((await call(base, { method: 'GET', path: `/billing/accounts/${id}`, token })).status !== 200) {
      if (Date.now() > deadline) throw new Error(`no account for user ${id} after 30 s`);
      await sleep(20);
    }
    await expect(base, { method: 'POST', path: `/billing/accounts/${id}/deposits`, body: { amount: money.deposit }, token }, 201);
    await expect(base, { method: 'POST', path: `/billing/accounts/${id}/withdrawals`, body: { amount: money.withdrawal }, token }, 201);
    return { id, token };
  });
}

const SERVICES = ['users', 'billing', 'orders', 'notifications'];

/** Events committed to an outbox but not yet handled by every consumer, over all services (from /metrics). */
async function unpublished(base: string): Promise<number> {
  let total = 0;
  for (const service of SERVICES) {
    const metrics = await expect<string>(base, { method: 'GET', path: `/${service}/metrics` }, 200);
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
    const metrics = await expect<string>(base, { method: 'GET', path: `/${service}/metrics` }, 200);
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
    const pagePath = `${path}${separator}limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const page: { items: T[]; nextCursor: string | null } = await expect(base, { method: 'GET', path: pagePath, token }, 200);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Every user's state, read by the operator (the users' own tokens may have expired by now). */
export async function collect(base: string, users: BenchUser[], operatorToken: string): Promise<UserState[]> {
  return pLimit(8).map(users, async ({ id }) => ({
    userId: id,
    balance: (await expect<{ balance: number }>(base, { method: 'GET', path: `/billing/accounts/${id}`, token: operatorToken }, 200)).balance,
    orders: await allPages<Order>(base, `/orders?userId=${id}`, operatorToken),
    transactions: await allPages<Transaction>(base, `/billing/accounts/${id}/transactions`, operatorToken),
    letters: await allPages<Letter>(base, `/notifications?userId=${id}`, operatorToken),
  }));
}
