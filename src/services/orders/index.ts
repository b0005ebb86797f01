import type { ServiceModule } from '../../platform/runtime/service.ts';
import { ordersHandlers } from './handlers.ts';
import { watchFinality } from './finality.ts';
import { orderRoutes } from './routes.ts';
import { orderPlacement } from './use-cases.ts';

export const ordersService: ServiceModule = {
  name: 'orders',
  description: 'Orders and their status. Publishes orders.order.created.v1; settles orders on billing outcomes.',
  migrations: new URL('./migrations/', import.meta.url),
  async start({ db, metrics }) {
    // Requests with Prefer: wait sleep until the NOTIFY for their order; orders placed together share a transaction.
    const watcher = await watchFinality(db.sql);
    const placeOrder = orderPlacement(db, metrics);
    return { routes: (app) => orderRoutes(app, { sql: db.sql, watcher, placeOrder }), close: () => watcher.close() };
  },
  handlers: ordersHandlers,
};
