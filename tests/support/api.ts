import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import type { TestSystem } from './system.ts';

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The operator account every test system is started with. */
export const TEST_ADMIN = { email: 'operator@streamshop.test', password: 'operator-password-for-tests' };

/**
 * A thin HTTP client over the system's public API, as a user's code would call it: anonymous, or signed in with a
 * bearer token. An `authorization` header given to a call replaces the token (to send a forged one, say).
 */
export function client(baseUrl: string, token?: string): Api {
  async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, body: type.includes('json') && text ? JSON.parse(text) : text };
  }
  const api: Api = {
    baseUrl,
    ...(token ? { token } : {}),
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    /** The same client, signed in with another token. */
    as: (other: string) => client(baseUrl, other),

    /** An access token for the address and password, or a failed assertion saying why not. */
    async logIn(email: string, password: string): Promise<string> {
      const login = await call('POST', '/users/login', { email, password });
      assert.equal(login.status, 200, `login of ${email}: ${JSON.stringify(login.body)}`);
      return login.body.accessToken;
    },

    /** The operator of the test system, signed in. */
    async admin() {
      return client(baseUrl, await api.logIn(TEST_ADMIN.email, TEST_ADMIN.password));
    },

    /** The user, signed in on this system (again, after a restart, say). */
    async signIn(user) {
      return signedIn(client(baseUrl, await api.logIn(user.email, user.password)), user);
    },

    /** A new user, signed in, whose billing account is open; optionally with money on it. */
    async userWithAccount(deposit = 0): Promise<Member> {
      const email = `u-${crypto.randomUUID()}@example.com`;
      const password = `pw-${crypto.randomUUID()}`;
      const created = await call('POST', '/users', { email, name: 'Test User', password });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const member = await api.signIn({ id: created.body.id as string, email, password });
      await eventually(async () => assert.equal((await member.get(`/billing/accounts/${member.id}`)).status, 200));
      if (deposit > 0) assert.equal((await member.post(`/billing/accounts/${member.id}/deposits`, { amount: deposit })).status, 201);
      return member;
    },
  };
  return api;
}

export interface Api {
  baseUrl: string;
  token?: string;
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response<T>>;
  get<T = any>(path: string, headers?: Record<string, string>): Promise<Response<T>>;
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<Response<T>>;
  as(token: string): Api;
  logIn(email: string, password: string): Promise<string>;
  admin(): Promise<Api>;
  signIn(user: { id: string; email: string; password: string }): Promise<Member>;
  userWithAccount(deposit?: number): Promise<Member>;
}

/** A signed-in user: their client, who they are, and reads of their own account. */
export interface Member extends Api {
  id: string;
  email: string;
  password: string;
  balance(): Promise<number>;
  /** Every item of each list, page after page, newest first. */
  letters(): Promise<any[]>;
  transactions(): Promise<any[]>;
  orders(): Promise<any[]>;
}

/** Every item of a list, following nextCursor. */
export async function allPages(api: Api, path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: Response = await api.get(`${path}${path.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, `${path}: ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

function signedIn(api: Api, user: { id: string; email: string; password: string }): Member {
  return {
    ...api,
    id: user.id,
    email: user.email,
    password: user.password,
    async balance(): Promise<number> {
      const account = await api.get(`/billing/accounts/${user.id}`);
      assert.equal(account.status, 200);
      return account.body.balance;
    },
    letters: () => allPages(api, `/notifications?userId=${user.id}`),
    transactions: () => allPages(api, `/billing/accounts/${user.id}/transactions`),
    orders: () => allPages(api, `/orders?userId=${user.id}`),
  };
}

/** A number from one service's /metrics, summed over every line `pattern` matches (its group 1), over its replicas. */
export async function metricSum(system: TestSystem, service: ServiceName, pattern: RegExp): Promise<number> {
  const lines = new RegExp(pattern.source, 'gm');
  let sum = 0;
  for (const url of system.serviceUrls(service)) {
    const text = await (await fetch(`${url}/${service}/metrics`)).text();
    for (const match of text.matchAll(lines)) sum += Number(match[1]);
  }
  return sum;
}

/** events_handled_total of one service for one event type and outcome, summed over its replicas' /metrics. */
export function handledCount(system: TestSystem, service: ServiceName, type: string, outcome: string): Promise<number> {
  const pattern = `^events_handled_total\\{[^}]*type="${type.replaceAll('.', '\\.')}"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`;
  return metricSum(system, service, new RegExp(pattern));
}

/** Retries an assertion until it passes or the deadline comes: waiting for a condition, not for a time. */
export async function eventually<T>(check: () => Promise<T>, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

/** Money is conserved: balance = deposits − withdrawals − payments + refunds, line by line. */
export function assertLedgerConsistent(lines: { type: string; amount: number; balance: number }[], balance: number): void {
  let running = 0;
  for (const line of [...lines].reverse()) {
    running += line.type === 'deposit' || line.type === 'refund' ? line.amount : -line.amount;
    assert.equal(line.balance, running, `ledger line ${JSON.stringify(line)} disagrees with the running total ${running}`);
  }
  assert.equal(balance, running, 'balance differs from the sum of the ledger');
}
