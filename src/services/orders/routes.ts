import { type App, correlationOf, ResponseHeaders, responses, withHeaders, idempotencyKeyHeader, readIdempotencyKey } from '../../platform/http/index.ts';
import { callerOf } from '../../platform/access/index.ts';
import { pageOf } from '../../platform/schemas/index.ts';
import { Order, OrderList, OrderListQuery, OrderParams, PlaceOrderBody, WaitHeaders } from './contract.ts';
import { preferredWait } from './prefer-wait.ts';
import { cancelOrder } from './cancellation.ts';
import { billingUnavailable } from './errors.ts';
import { getOrderWhenFinal, listOrdersFor, type OrdersDeps, placeOrderAndWait } from './use-cases.ts';

const { location, idempotentReplayed, preferenceApplied } = ResponseHeaders;

export function orderRoutes(app: App, deps: OrdersDeps): void {
  const headers = {
    ...WaitHeaders,
    properties: { ...WaitHeaders.properties, ...idempotencyKeyHeader },
  };

  app.post(
    '/',
    {
      config: { access: 'owner' },
      schema: {
        tags: ['orders'],
        summary: 'Place an order',
        headers,
        body: PlaceOrderBody,
        response: responses({ 201: withHeaders(Order, location('order'), idempotentReplayed, preferenceApplied) }, 422, 503),
      },
    },
    async (request, reply) => {
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key'] as string | undefined);
      const wait = preferredWait(request.headers.prefer as string | undefined);
      const placed = await placeOrderAndWait(deps, { input: request.body, idempotencyKey, correlation: correlationOf(request) }, wait);
      const order = placed.body;
      // The http styles: billing did not answer; the order is rejected, and what billing may have taken is given back.
      if (order.reason === 'billing_unavailable' && !placed.replayed) throw billingUnavailable(order);
      if (wait > 0) reply.header('preference-applied', `wait=${wait}`);
      if (placed.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/orders/${order.id}`).send(order);
    },
  );

  app.get(
    '/:orderId',
    {
      // Someone else's order is a 404, as if it did not exist.
      config: { access: 'user' },
      schema: { tags: ['orders'], summary: 'Get an order', params: OrderParams, headers: WaitHeaders, response: responses({ 200: withHeaders(Order, preferenceApplied) }, 404) },
    },
    async (request, reply) => {
      const wait = preferredWait(request.headers.prefer as string | undefined);
      if (wait > 0) reply.header('preference-applied', `wait=${wait}`);
      return getOrderWhenFinal(deps, callerOf(request), request.params.orderId, wait);
    },
  );

  app.get(
    '/',
    {
      config: { access: 'owner-or-admin' },
      schema: { tags: ['orders'], summary: "A user's orders, or an operator's view of every order, newest first", querystring: OrderListQuery, response: responses({ 200: OrderList }) },
    },
    async (request) => listOrdersFor(deps.sql, callerOf(request), request.query.userId, pageOf(request.query)),
  );

  app.post(
    '/:orderId/cancellation',
    {
      // The owner or an operator; someone else's order is a 404, as if it did not exist.
      config: { access: 'user' },
      schema: {
        tags: ['orders'],
        summary: 'Cancel an order',
        description:
          'A pending or paid order becomes cancelling, and cancelled once billing has given its money back (or voided a payment never charged): ' +
          '200 when that is done by the time of the answer, 202 otherwise (poll GET /orders/{orderId}, or ask again: 202 again). ' +
          'A rejected or cancelled order is a 409. With an Idempotency-Key, a repeat gets the first answer.',
        params: OrderParams,
        headers: { type: 'object', properties: idempotencyKeyHeader },
        response: responses({ 200: withHeaders(Order, idempotentReplayed), 202: withHeaders(Order, idempotentReplayed) }, 404, 409, 422),
      },
    },
    async (request, reply) => {
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key'] as string | undefined);
      const cancellation = { caller: callerOf(request), orderId: request.params.orderId, idempotencyKey, correlation: correlationOf(request) };
      const answered = await cancelOrder(deps.db, deps.style, cancellation);
      if (answered.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(answered.status as 200 | 202).send(answered.body);
    },
  );
}
