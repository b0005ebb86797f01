import type { ServiceModule } from '../../platform/runtime/index.ts';
import { billingHandlers } from './handlers.ts';
import { billingRoutes } from './routes.ts';

export const billingService: ServiceModule = {
  name: 'billing',
  description: 'Accounts and their ledger. Opens an account per new user and pays for orders.',
  migrations: new URL('./migrations/', import.meta.url),
  start: ({ db }) => ({ routes: (app) => billingRoutes(app, db) }),
  handlers: billingHandlers,
};
