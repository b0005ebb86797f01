import { type App, flowOf, ResponseHeaders, responses, withHeaders } from '../../platform/http.ts';
import type { ServiceDeps } from '../../platform/service.ts';
import { CreateUserBody, User, UserParams } from './contract.ts';
import { getUser, registerUser } from './use-cases.ts';

export function userRoutes(app: App, { sql }: ServiceDeps): void {
  app.post(
    '/',
    { schema: { tags: ['users'], summary: 'Register a user', body: CreateUserBody, response: responses({ 201: withHeaders(User, ResponseHeaders.location('user')) }, 409) } },
    async (request, reply) => {
      const user = await registerUser(sql, request.body, flowOf(request));
      return reply.code(201).header('location', `/users/${user.id}`).send(user);
    },
  );

  app.get(
    '/:userId',
    { schema: { tags: ['users'], summary: 'Get a user', params: UserParams, response: responses({ 200: User }, 404) } },
    async (request) => getUser(sql, request.params.userId),
  );
}
