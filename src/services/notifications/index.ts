import { type ServiceModule, usesBroker } from '../../platform/runtime/index.ts';
import { notificationsHandlers } from './handlers.ts';
import { notificationsInternalRoutes } from './internal-routes.ts';
import { notificationRoutes } from './routes.ts';
import { letterWriting } from './use-cases.ts';

export const notificationsService: ServiceModule = {
  name: 'notifications',
  description: 'Letters to users: one per final order and kind, plus free-form messages. Stored, not mailed.',
  migrations: new URL('./migrations/', import.meta.url),
  start: ({ db, style }) => {
    const letters = letterWriting({ announces: usesBroker(style) });
    return { routes: (app) => notificationRoutes(app, db, letters), internalRoutes: (app) => notificationsInternalRoutes(app, db, letters) };
  },
  handlers: notificationsHandlers,
};
