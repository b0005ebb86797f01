import type { ServiceModule } from '../../platform/runtime/index.ts';
import { ordersHandlers } from './handlers.ts';
import { watchFinality } from './finality.ts';
import { orderRoutes } from './routes.ts';
import { orderPlacement } from './use-cases.ts';

export const ordersService: ServiceModule = {
  name: 'orders',
  description: 'Orders and their status. Publishes orders.order.created.v1; settles orders on billing outcomes.',
  migrations: new URL('./migrations/', import.meta.url),
  async start(deps) {
    // Requests with Prefer: wait sleep until the NOTIFY for their order.
    const watcher = await watchFinality(deps.db.sql);
    const placeOrder = orderPlacement(deps);
    return { routes: (app) => orderRoutes(app, { sql: deps.db.sql, watcher, placeOrder }), close: () => watcher.close() };
  },
  handlers: ordersHandlers,
};
