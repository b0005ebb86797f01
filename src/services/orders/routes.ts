import { type App, flowOf, ResponseHeaders, responses, withHeaders } from '../../platform/http.ts';
import { readIdempotencyKey } from '../../platform/idempotency.ts';
import type { ServiceDeps } from '../../platform/service.ts';
import { Order, OrderList, OrderListQuery, OrderParams, PlaceOrderBody, WaitHeaders } from './contract.ts';
import { preferredWait, watchFinality } from './finality.ts';
import { getOrderWhenFinal, listUserOrders, orderPlacement, placeOrderAndWait } from './use-cases.ts';

const { location, idempotentReplayed, preferenceApplied } = ResponseHeaders;

export async function orderRoutes(app: App, { sql, metrics }: ServiceDeps): Promise<void> {
  const watcher = await watchFinality(sql);
  const placeOrder = orderPlacement(sql, metrics);
  // preClose, not onClose: requests waiting with `Prefer: wait` must answer before the server can finish closing.
  app.addHook('preClose', () => watcher.close());

  const headers = {
    ...WaitHeaders,
    properties: { ...WaitHeaders.properties, 'idempotency-key': { type: 'string', description: 'Retry-safe key' } },
  };

  app.post(
    '/',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order',
        headers,
        body: PlaceOrderBody,
        response: responses({ 201: withHeaders(Order, location('order'), idempotentReplayed, preferenceApplied) }, 422),
      },
    },
    async (request, reply) => {
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key'] as string | undefined);
      const wait = preferredWait(request.headers.prefer as string | undefined);
      const placed = await placeOrderAndWait(placeOrder, sql, watcher, request.body, idempotencyKey, flowOf(request), wait);
      const order = placed.body;
      if (wait > 0) reply.header('preference-applied', `wait=${wait}`);
      if (placed.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/orders/${order.id}`).send(order);
    },
  );

  app.get(
    '/:orderId',
    { schema: { tags: ['orders'], summary: 'Get an order', params: OrderParams, headers: WaitHeaders, response: responses({ 200: withHeaders(Order, preferenceApplied) }, 404) } },
    async (request, reply) => {
      const wait = preferredWait(request.headers.prefer as string | undefined);
      if (wait > 0) reply.header('preference-applied', `wait=${wait}`);
      return getOrderWhenFinal(sql, watcher, request.params.orderId, wait);
    },
  );

  app.get(
    '/',
    { schema: { tags: ['orders'], summary: "A user's orders, newest first", querystring: OrderListQuery, response: responses({ 200: OrderList }) } },
    async (request) => listUserOrders(sql, request.query.userId, request.query.limit, request.query.cursor),
  );
}
