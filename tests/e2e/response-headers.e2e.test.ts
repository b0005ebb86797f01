/**
 * The response headers the OpenAPI documents promise (docs/openapi/*.json) are the ones the services send.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { useSystem } from '../support/topology.ts';

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> };

function documentedHeaders(service: string, path: string, method: string, status: number): string[] {
  const api = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'openapi', `${service}.json`), 'utf8')) as OpenApi;
  const response = api.paths[path]?.[method]?.responses[String(status)];
  assert.ok(response, `${service}: ${method.toUpperCase()} ${path} documents a ${status}`);
  return Object.keys(response.headers ?? {}).sort();
}

function sent(headers: Headers, names: string[]): string[] {
  return names.filter((name) => headers.has(name)).sort();
}

describe('documented response headers', () => {
  const t = useSystem('embedded');

  test('when a user registers, an order is placed twice with the same key and Prefer: wait, and a deposit is replayed, then every documented header is sent', async () => {
    const user = await t.api.post('/users', { email: `h-${crypto.randomUUID()}@example.com`, name: 'Header Check', password: 'header-check-pw' });
    assert.deepEqual(sent(user.headers, documentedHeaders('users', '/users', 'post', 201)), ['location', 'x-correlation-id']);
    const funded = await t.api.userWithAccount(1_000);

    const key = { 'idempotency-key': `h-${crypto.randomUUID()}`, prefer: 'wait=10' };
    await funded.post('/orders', { userId: funded.id, price: 100 }, key);
    const replayed = await funded.post('/orders', { userId: funded.id, price: 100 }, key);
    const placed = documentedHeaders('orders', '/orders', 'post', 201);
    assert.deepEqual(placed, ['idempotent-replayed', 'location', 'preference-applied', 'x-correlation-id']);
    assert.deepEqual(sent(replayed.headers, placed), placed);
    const read = await funded.get(`/orders/${replayed.body.id}`, { prefer: 'wait=1' });
    const readDocumented = documentedHeaders('orders', '/orders/{orderId}', 'get', 200);
    assert.deepEqual(sent(read.headers, readDocumented), readDocumented);

    const depositKey = { 'idempotency-key': `h-${crypto.randomUUID()}` };
    await funded.post(`/billing/accounts/${funded.id}/deposits`, { amount: 5 }, depositKey);
    const deposit = await funded.post(`/billing/accounts/${funded.id}/deposits`, { amount: 5 }, depositKey);
    const depositDocumented = documentedHeaders('billing', '/billing/accounts/{userId}/deposits', 'post', 201);
    assert.deepEqual(sent(deposit.headers, depositDocumented), depositDocumented);

    const letter = await (await t.api.admin()).post('/notifications', { email: 'someone@example.com', subject: 'Hi', body: 'Hello' });
    const letterDocumented = documentedHeaders('notifications', '/notifications', 'post', 201);
    assert.deepEqual(sent(letter.headers, letterDocumented), letterDocumented);

    const missing = await funded.get(`/orders/${crypto.randomUUID()}`);
    assert.deepEqual(sent(missing.headers, documentedHeaders('orders', '/orders/{orderId}', 'get', 404)), ['x-correlation-id']);

    const anonymous = await t.api.get(`/orders/${crypto.randomUUID()}`);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(sent(anonymous.headers, documentedHeaders('orders', '/orders/{orderId}', 'get', 401)), ['www-authenticate', 'x-correlation-id']);
  });
});
