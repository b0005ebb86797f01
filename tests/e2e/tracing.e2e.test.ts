/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, one order's placement, payment, settlement and letter are one trace over
 * the four services, received by a collector (here a small OTLP/HTTP receiver in the test), and the log lines of
 * the flow carry its trace and span ids.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ReceivedSpan, startOtlpReceiver } from '../../bench/otlp-receiver.ts';
import { client, eventually } from '../support/api.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

describe('traces (embedded)', () => {
  let collector: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let system: TestSystem;
  let dataDir: string;
  before(async () => {
    collector = await startOtlpReceiver();
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-traces-'));
    system = await startTestSystem({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, logFile: join(dataDir, 'streamshop.log') });
  });
  after(async () => {
    await system?.stop();
    await collector?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('when an order is placed and paid, then its placement, payment, settlement and letter are one trace across the four services, and its log lines carry the trace id', async () => {
    const user = await client(system.url).userWithAccount(10_000);
    const placed = await user.post('/orders', { userId: user.id, price: 1_000 }, { prefer: 'wait=10', 'x-correlation-id': 'traced-order' });
    assert.equal(placed.body.status, 'paid');

    const root = await eventually(() => {
      const span = collector.spans.find((s) => s.service === 'orders' && s.name === 'POST /orders' && s.parentSpanId === '');
      assert.ok(span, `no POST /orders span among ${JSON.stringify(collector.spans.length)}`);
      return Promise.resolve(span);
    });
    const expected = [
      ['orders', 'POST /orders'],
      ['orders', 'publish orders.order.created.v1'],
      ['billing', 'handle orders.order.created.v1'],
      ['billing', 'publish billing.payment.succeeded.v1'],
      ['orders', 'handle billing.payment.succeeded.v1'],
      ['orders', 'publish orders.order.paid.v1'],
      ['notifications', 'handle orders.order.paid.v1'],
      ['notifications', 'publish notifications.letter.stored.v1'],
    ];
    const trace = await eventually(
      () => {
        const found = collector.spans.filter((s) => s.traceId === root.traceId);
        for (const [service, name] of expected) assert.ok(found.some((s) => s.service === service && s.name === name), `${service}: ${name} in ${JSON.stringify(found.map((s) => [s.service, s.name]))}`);
        return Promise.resolve(found);
      },
      { timeoutMs: 15_000 },
    );
    // Each hop continues the one before: billing's handling is a child of the HTTP request that placed the order.
    const spanOf = (service: string, name: string) => trace.find((s) => s.service === service && s.name === name) as ReceivedSpan;
    assert.equal(spanOf('billing', 'handle orders.order.created.v1').parentSpanId, root.spanId);
    assert.equal(spanOf('orders', 'handle billing.payment.succeeded.v1').parentSpanId, spanOf('billing', 'handle orders.order.created.v1').spanId);
    assert.equal(spanOf('notifications', 'handle orders.order.paid.v1').parentSpanId, spanOf('orders', 'handle billing.payment.succeeded.v1').spanId);

    const lines = (await readFile(join(dataDir, 'streamshop.log'), 'utf8')).split('\n').filter((line) => line.includes('"correlationId":"traced-order"'));
    assert.ok(lines.some((line) => line.includes(`"traceId":"${root.traceId}"`) && line.includes('"spanId"')), 'a log line of the request carries its trace and span ids');
  });
});
