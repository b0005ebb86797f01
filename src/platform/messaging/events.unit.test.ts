import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { defineEvent, EventEnvelope, newEvent } from './events.ts';

const OrderShipped = defineEvent({
  type: 'orders.order.shipped.v1',
  description: 'A test event',
  subject: 'orderId',
  data: Type.Object({ orderId: Type.String(), parcels: Type.Integer() }),
});
const envelope = Compile(EventEnvelope);

describe('the event envelope', () => {
  test('given an event made by a service, when it is built, then it is a valid CloudEvents envelope about the field its definition names', () => {
    const event = newEvent('orders', OrderShipped, { orderId: 'o-1', parcels: 2 }, { correlationId: 'req-1' });
    assert.ok(envelope.Check(event), [...envelope.Errors(event)].map((e) => e.message).join('; '));
    assert.equal(event.specversion, '1.0');
    assert.equal(event.source, '/streamshop/orders');
    assert.equal(event.type, 'orders.order.shipped.v1');
    assert.equal(event.subject, 'o-1');
    assert.equal(event.datacontenttype, 'application/json');
    assert.deepEqual(event.data, { orderId: 'o-1', parcels: 2 });
    assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7');
    assert.ok(Math.abs(Date.parse(event.time) - Date.now()) < 5_000);
  });

  test('given the correlation of what caused it, when an event is built, then it carries the correlation id, and the traceparent only when there is one', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced = newEvent('orders', OrderShipped, { orderId: 'o-1', parcels: 1 }, { correlationId: 'req-2', traceparent });
    const untraced = newEvent('orders', OrderShipped, { orderId: 'o-1', parcels: 1 }, { correlationId: 'req-3' });
    assert.equal(traced.correlationid, 'req-2');
    assert.equal(traced.traceparent, traceparent);
    assert.ok(!('traceparent' in untraced), 'no empty traceparent');
  });

  test('given two events, when they are built one after the other, then their ids differ and sort in the order they were made', () => {
    const first = newEvent('orders', OrderShipped, { orderId: 'o-1', parcels: 1 }, { correlationId: 'c' });
    const second = newEvent('orders', OrderShipped, { orderId: 'o-1', parcels: 1 }, { correlationId: 'c' });
    assert.ok(first.id < second.id);
  });

  test('given an envelope without its id or with another spec version, when it is validated, then it is refused', () => {
    const event = newEvent('orders', OrderShipped, { orderId: 'o-1', parcels: 1 }, { correlationId: 'c' });
    const { id: _id, ...withoutId } = event;
    assert.equal(envelope.Check(withoutId), false);
    assert.equal(envelope.Check({ ...event, specversion: '0.3' }), false);
    assert.equal(envelope.Check({ ...event, id: 'urn:uuid:01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f' }), false);
  });
});
