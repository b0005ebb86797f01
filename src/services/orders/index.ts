import type { ServiceModule } from '../../platform/service.ts';
import { ordersHandlers } from './handlers.ts';
import { orderRoutes } from './routes.ts';

export const ordersService: ServiceModule = {
  name: 'orders',
  description: 'Orders and their status. Publishes orders.order.created.v1; settles orders on billing outcomes.',
  migrations: new URL('./migrations/', import.meta.url),
  routes: orderRoutes,
  handlers: ordersHandlers,
};
