import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventFeed, EventEnvelope } from '../platform/messaging/index.ts';
import { createLiveFeed, frame } from './live-feed.ts';

/** A bus as the live feed sees it: it calls the watcher, synchronously, and counts the watchers. */
function fakeFeed() {
  let watcher: ((event: EventEnvelope) => void) | undefined;
  const feed: EventFeed = {
    watch(_types, onEvent) {
      watcher = onEvent;
      return () => {
        watcher = undefined;
      };
    },
    isReady: () => true,
  };
  return { feed, publish: (event: EventEnvelope) => watcher?.(event), watching: () => watcher !== undefined };
}

/** A response whose socket buffer is full while `full` is set, as a browser that does not read makes it. */
function fakeResponse() {
  const response = Object.assign(new EventEmitter(), {
    full: false,
    written: [] as string[],
    ended: undefined as string | undefined,
    writeHead: () => response,
    write(chunk: string) {
      response.written.push(chunk);
      return !response.full;
    },
    end(chunk?: string) {
      response.ended = chunk ?? '';
      response.emit('close');
    },
  });
  return response;
}

const event = (orderId: string, type: string, n: number): EventEnvelope => ({
  specversion: '1.0',
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  source: '/streamshop/orders',
  type,
  time: new Date().toISOString(),
  subject: orderId,
  datacontenttype: 'application/json',
  correlationid: 'test',
  data: { orderId, userId: 'u', price: n },
});

describe('live feed', () => {
  test('when a client stops reading, then publishing never waits, the client gets each order’s latest event when it drains, and a gap for the orders it lost', () => {
    const { feed, publish } = fakeFeed();
    const live = createLiveFeed(feed, { maxPendingOrders: 100 });
    const res = fakeResponse();
    live.stream(res as unknown as ServerResponse, Date.now() + 60_000);
    assert.match(res.written[0] ?? '', /^event: ready\n/);

    res.full = true;
    publish(event('first', 'orders.order.created.v1', 0)); // this one fills the buffer
    const started = performance.now();
    // 100 orders moving 300 times each fit: each keeps its latest event.
    for (let n = 1; n <= 30_000; n++) publish(event(`order-${n % 100}`, n % 2 ? 'orders.order.created.v1' : 'orders.order.paid.v1', n));
    // 20 more orders do not: the 20 that moved longest ago make room.
    for (let n = 30_001; n <= 30_020; n++) publish(event(`new-${n}`, 'orders.order.created.v1', n));
    const elapsed = performance.now() - started;
    assert.equal(res.written.length, 2, 'nothing more was written to a full socket');
    assert.ok(elapsed < 2_000, `30020 events took ${elapsed} ms to hand over`);

    res.full = false;
    res.written.length = 0;
    res.emit('drain');
    const [gap, ...frames] = res.written;
    assert.equal(gap, frame('gap', { dropped: 20 }));
    const latest = frames.map((f) => JSON.parse(f.split('data: ')[1] ?? '{}').data.price as number);
    // In the order they last moved: order-21 (29921) ... order-99, order-0 (30000), then the new ones.
    assert.deepEqual(latest, Array.from({ length: 100 }, (_, i) => 29_921 + i));
    live.close();
  });

  test('when the token expires, then the stream ends with an expired frame, and watching stops with the last stream', async () => {
    const { feed, watching } = fakeFeed();
    const live = createLiveFeed(feed);
    const res = fakeResponse();
    live.stream(res as unknown as ServerResponse, Date.now() + 50);
    assert.ok(watching());
    await sleep(100);
    assert.match(res.ended ?? '', /^event: expired\n/);
    assert.equal(live.clients(), 0);
    assert.ok(!watching(), 'no stream, no watcher');
  });

  test('when the console stops, then every stream ends with a closing frame', () => {
    const { feed } = fakeFeed();
    const live = createLiveFeed(feed);
    const streams = [fakeResponse(), fakeResponse()];
    for (const res of streams) live.stream(res as unknown as ServerResponse, Date.now() + 60_000);
    live.close();
    for (const res of streams) assert.match(res.ended ?? '', /^event: closing\n/);
    assert.equal(live.clients(), 0);
  });
});
