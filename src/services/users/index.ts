import type { ServiceModule } from '../../platform/service.ts';
import { userRoutes } from './routes.ts';

export const usersService: ServiceModule = {
  name: 'users',
  description: 'User profiles. Publishes users.user.created.v1.',
  migrations: new URL('./migrations/', import.meta.url),
  routes: userRoutes,
  handlers: [],
};
