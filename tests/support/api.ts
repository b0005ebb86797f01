import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../src/platform/config.ts';
import type { TestSystem } from './system.ts';

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A thin HTTP client over the system's public API, as a user's code would call it. */
export function client(baseUrl: string) {
  async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, body: type.includes('json') && text ? JSON.parse(text) : text };
  }
  const api = {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),

    /** A new user whose billing account is open; optionally with money on it. */
    async userWithAccount(deposit = 0): Promise<{ id: string; email: string }> {
      const email = `u-${crypto.randomUUID()}@example.com`;
      const created = await api.post('/users', { email, name: 'Test User' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const userId: string = created.body.id;
      await eventually(async () => assert.equal((await api.get(`/billing/accounts/${userId}`)).status, 200));
      if (deposit > 0) assert.equal((await api.post(`/billing/accounts/${userId}/deposits`, { amount: deposit })).status, 201);
      return { id: userId, email };
    },
    async balance(userId: string): Promise<number> {
      const account = await api.get(`/billing/accounts/${userId}`);
      assert.equal(account.status, 200);
      return account.body.balance;
    },
    async letters(userId: string): Promise<any[]> {
      const list = await api.get(`/notifications?userId=${userId}&limit=100`);
      assert.equal(list.status, 200);
      return list.body.items;
    },
    async transactions(userId: string): Promise<any[]> {
      const list = await api.get(`/billing/accounts/${userId}/transactions?limit=100`);
      assert.equal(list.status, 200);
      return list.body.items;
    },
  };
  return api;
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

/** Money is conserved: the balance is deposits − withdrawals − payments, and each line's running balance agrees. */
export function assertLedgerConsistent(lines: { type: string; amount: number; balance: number }[], balance: number): void {
  let running = 0;
  for (const line of [...lines].reverse()) {
    running += line.type === 'deposit' ? line.amount : -line.amount;
    assert.equal(line.balance, running, `ledger line ${JSON.stringify(line)} disagrees with the running total ${running}`);
  }
  assert.equal(balance, running, 'balance differs from the sum of the ledger');
}
