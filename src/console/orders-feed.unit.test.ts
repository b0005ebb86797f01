/**
 * The feed's orders (the page's src/console/page/orders-feed.js, plain JavaScript that needs no DOM): the latest
 * orders from the API and the live events about them make one row per order, and neither undoes what the other told.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

/** What the tests use of the page's module: this project's TypeScript reads no JavaScript (tsc -p tsconfig.console.json checks the page itself). */
interface OrdersFeed {
  apply(event: object): void;
  load(items: object[]): void;
  list(): { orderId: string; status: string; step: string }[];
  history(): { state: string };
}
const { createOrdersFeed } = (await import('./page/orders-feed.js' as string)) as { createOrdersFeed: () => OrdersFeed };

const event = (type: string, orderId: string, time: string, id = `${type}-${orderId}`) => ({
  id,
  type,
  source: 'test',
  subject: orderId,
  time,
  correlationid: 'c',
  data: { orderId, userId: 'u', price: 100 },
});
const listed = (id: string, status: string, updatedAt: string) => ({ id, userId: 'u', price: 100, status, updatedAt });

describe('the feed’s orders', () => {
  test('the listed orders go behind those the live feed brought, newest first, one row per order', () => {
    const feed = createOrdersFeed();
    feed.apply(event('orders.order.created.v1', 'live', '2026-01-01T00:00:03Z'));
    feed.load([listed('live', 'pending', '2026-01-01T00:00:03Z'), listed('b', 'paid', '2026-01-01T00:00:02Z'), listed('a', 'rejected', '2026-01-01T00:00:01Z')]);
    assert.deepEqual(
      feed.list().map((order) => [order.orderId, order.status, order.step]),
      [
        ['live', 'pending', 'created'],
        ['b', 'paid', 'paid'],
        ['a', 'rejected', 'rejected'],
      ],
    );
    assert.equal(feed.history().state, 'loaded');
  });

  test('a list taken before the order was paid does not take paid back; one taken after tells what the events missed', () => {
    const feed = createOrdersFeed();
    feed.apply(event('orders.order.created.v1', 'x', '2026-01-01T00:00:01Z'));
    feed.apply(event('orders.order.paid.v1', 'x', '2026-01-01T00:00:02Z'));
    feed.apply(event('orders.order.created.v1', 'y', '2026-01-01T00:00:03Z'));
    feed.load([listed('y', 'rejected', '2026-01-01T00:00:04Z'), listed('x', 'pending', '2026-01-01T00:00:01Z')]);
    assert.deepEqual(
      feed.list().map((order) => [order.orderId, order.status]),
      [
        ['y', 'rejected'],
        ['x', 'paid'],
      ],
    );
  });

  test('a live event about a listed order moves its row to the top instead of adding one', () => {
    const feed = createOrdersFeed();
    feed.load([listed('b', 'pending', '2026-01-01T00:00:02Z'), listed('a', 'pending', '2026-01-01T00:00:01Z')]);
    feed.apply(event('orders.order.paid.v1', 'a', '2026-01-01T00:00:05Z'));
    assert.deepEqual(
      feed.list().map((order) => [order.orderId, order.status, order.step]),
      [
        ['a', 'paid', 'paid'],
        ['b', 'pending', 'created'],
      ],
    );
  });
});
