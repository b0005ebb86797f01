import type { ServiceName, ServiceModule } from '../platform/runtime/index.ts';
import { billingService } from './billing/index.ts';
import { notificationsService } from './notifications/index.ts';
import { ordersService } from './orders/index.ts';
import { usersService } from './users/index.ts';

export const services: Record<ServiceName, ServiceModule> = {
  users: usersService,
  billing: billingService,
  orders: ordersService,
  notifications: notificationsService,
};
