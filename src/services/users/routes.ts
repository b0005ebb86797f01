import { callerOf } from '../../platform/access/index.ts';
import { type App, correlationOf, ResponseHeaders, responses, withHeaders } from '../../platform/http/index.ts';
import type { Database } from '../../platform/database/index.ts';
import type { TokenIssuer } from '../../platform/access/index.ts';
import { AccessToken, CreateUserBody, LoginBody, PublicKeySet, User, UserList, UserParams, UserSearchQuery } from './contract.ts';
import type { createPasswordChecker } from './passwords.ts';
import type { Introduction } from './registration.ts';
import { findUsersByEmail, getUser, logIn, registerUser } from './use-cases.ts';

export interface UserRoutesDeps {
  db: Database;
  introductions: () => Introduction;
  issuer: TokenIssuer;
  checkPassword: ReturnType<typeof createPasswordChecker>;
}

export function userRoutes(app: App, deps: UserRoutesDeps): void {
  publicRoutes(app, deps);
  userLookupRoutes(app, deps);
}

/** Grouped apart because none needs a token: registering, logging in, and the keys that check tokens. */
function publicRoutes(app: App, { db, introductions, issuer, checkPassword }: UserRoutesDeps): void {
  app.post(
    '/',
    {
      config: { access: 'anyone' },
      schema: { tags: ['users'], summary: 'Register a user', body: CreateUserBody, response: responses({ 201: withHeaders(User, ResponseHeaders.location('user')) }, 409) },
    },
    async (request, reply) => {
      const user = await registerUser(db, introductions, request.body, correlationOf(request));
      return reply.code(201).header('location', `/users/${user.id}`).send(user);
    },
  );

  app.post(
    '/login',
    {
      config: { access: 'anyone' },
      schema: {
        tags: ['users'],
        summary: 'Log in: an access token for 15 minutes',
        description: 'After 10 failures for one address within 15 minutes, further attempts are refused (429) until the oldest leaves the window.',
        body: LoginBody,
        response: responses({ 200: AccessToken }, 401, 429),
      },
    },
    async (request) => logIn(db, issuer, checkPassword, request.body),
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { access: 'anyone' },
      schema: { tags: ['users'], summary: 'The public keys that sign access tokens', response: responses({ 200: PublicKeySet }) },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(issuer.publicKeys()),
  );
}

/** Grouped apart because each needs a token: the caller itself, an operator's search by address, one user by id. */
function userLookupRoutes(app: App, { db }: UserRoutesDeps): void {
  app.get(
    '/me',
    {
      config: { access: 'user' },
      schema: { tags: ['users'], summary: 'The caller: the user the token was given to', response: responses({ 200: User }, 404) },
    },
    async (request) => getUser(db.sql, callerOf(request).userId),
  );

  app.get(
    '/',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], summary: 'Find a user by address (operators only)', querystring: UserSearchQuery, response: responses({ 200: UserList }) },
    },
    async (request) => findUsersByEmail(db.sql, request.query.email),
  );

  app.get(
    '/:userId',
    {
      config: { access: 'owner-or-admin' },
      schema: { tags: ['users'], summary: 'Get a user', params: UserParams, response: responses({ 200: User }, 404) },
    },
    async (request) => getUser(db.sql, request.params.userId),
  );
}
