import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consumerConfig, streamOf, streamsOf } from './streams.ts';

describe('NATS streams and consumers', () => {
  test('given the publishing services, when their streams are declared, then each has one stream of its own subjects', () => {
    assert.deepEqual(streamsOf(['users', 'orders']), [
      { name: 'USERS', subjects: ['users.>'] },
      { name: 'ORDERS', subjects: ['orders.>'] },
    ]);
  });

  test("given an event type, when its stream is looked up, then it is the stream of the type's first token, and an unknown one is an error", () => {
    const streams = streamsOf(['users', 'billing']);
    assert.equal(streamOf(streams, 'billing.payment.succeeded.v1').name, 'BILLING');
    assert.throws(() => streamOf(streams, 'orders.order.created.v1'), /no NATS stream carries orders.order.created.v1/);
  });

  test('given the types a consumer reads from one stream, when it is configured, then it filters on them the way the server can', () => {
    assert.equal(consumerConfig('billing', ['orders.order.created.v1'], false).filter_subject, 'orders.order.created.v1');
    assert.deepEqual(consumerConfig('notifications', ['orders.order.paid.v1', 'orders.order.rejected.v1'], true).filter_subjects, [
      'orders.order.paid.v1',
      'orders.order.rejected.v1',
    ]);
    const old = consumerConfig('notifications', ['orders.order.paid.v1', 'orders.order.rejected.v1'], false);
    assert.ok(!('filter_subject' in old) && !('filter_subjects' in old), 'a server before 2.10 gets the whole stream; the consumer skips the rest');
  });

  test('given any consumer, when it is configured, then it is durable, acks explicitly and never drops an event by a delivery cap', () => {
    const config = consumerConfig('orders', ['billing.payment.succeeded.v1'], true);
    assert.equal(config.durable_name, 'orders');
    assert.equal(config.ack_policy, 'explicit');
    assert.equal(config.max_deliver, -1, 'the platform dead-letters; a cap here would silently drop');
  });
});
