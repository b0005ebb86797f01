import type { ServiceModule } from '../../platform/runtime/index.ts';
import { notificationsHandlers } from './handlers.ts';
import { notificationRoutes } from './routes.ts';

export const notificationsService: ServiceModule = {
  name: 'notifications',
  description: 'Letters to users: one per final order, plus free-form messages. Stored, not mailed.',
  migrations: new URL('./migrations/', import.meta.url),
  start: ({ db }) => ({ routes: (app) => notificationRoutes(app, db) }),
  handlers: notificationsHandlers,
};
