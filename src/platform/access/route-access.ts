import type { FastifyRequest } from 'fastify';
import type { App } from '../http/index.ts';
import { AppError } from '../common/index.ts';
import type { ServiceCredentials } from './service-credentials.ts';
import { type Caller, invalidToken, missingToken, type TokenVerifier } from './tokens.ts';

/**
 * Who may call a route, declared beside the route (`config: { access }`); a route without it does not start.
 * - `anyone`: no token (health, metrics, OpenAPI, registration, login, the public keys);
 * - `user`: any signed-in caller; the use case shows them only their own things (someone else's order is a 404);
 * - `owner`: signed in, and every `userId` the request names (path, query, body) and every `?email=` is the caller's;
 * - `owner-or-admin`: the same for a user; an admin may name anyone (reads);
 * - `admin`: admins only;
 * - `{ services: [...] }`: an internal endpoint, for these services only, with a service credential
 *   (service-credentials.ts): no token is a 401, a user's or an admin's token a 403.
 */
export type Access = 'anyone' | 'user' | 'owner' | 'owner-or-admin' | 'admin' | { services: readonly string[] };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller?: Caller;
    /** The service that made an internal call, proven by its credential. */
    callingService?: string;
  }
}

/** The statuses a route's access rule can answer besides its own, for its OpenAPI operation. */
export function accessStatuses(access: Access): number[] {
  if (access === 'anyone') return [];
  return access === 'user' ? [401] : [401, 403];
}

/** How an app checks callers: users' and admins' tokens, and, on an internal listener, services' credentials. */
export interface AccessCheck {
  verifier: TokenVerifier;
  /** The service the app belongs to and the credentials that prove other services to it (internal listeners only). */
  internal?: { service: string; credentials: ServiceCredentials };
}

/** The OpenAPI security requirement of the routes behind a token. */
export const bearerAuth = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /users/login (15 minutes). Paste the accessToken only, without "Bearer".',
  },
} as const;

/**
 * Checks every request against its route's access rule: the token first (before the body is even validated, so a
 * stranger learns nothing), then, once the request is valid, whose data it names.
 */
export function installAccessControl(app: App, { verifier, internal }: AccessCheck): void {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('callingService', undefined);
  app.addHook('onRoute', (route) => {
    if (!route.config?.access) throw new Error(`${route.method} ${route.url} does not say who may call it (config.access)`);
    if (typeof route.config.access === 'object' && !internal) throw new Error(`${route.method} ${route.url} is internal: serve it on the internal listener`);
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === 'anyone') return; // undefined: no route matched, the 404 answers
    if (typeof access === 'object') {
      request.callingService = await checkServiceCaller(bearerToken(request.headers.authorization), access.services, { verifier, internal });
      return;
    }
    const caller = await verifier.verify(bearerToken(request.headers.authorization));
    request.caller = caller;
    if (access === 'admin' && caller.role !== 'admin') throw forbidden('Only an operator (role admin) may do this.');
  });
  app.addHook('preHandler', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access !== 'owner' && access !== 'owner-or-admin') return;
    const caller = callerOf(request);
    if (access === 'owner-or-admin' && caller.role === 'admin') return;
    const { userIds, emails } = namedOwners(request);
    if (userIds.some((id) => id.toLowerCase() !== caller.userId) || emails.some((e) => e.toLowerCase() !== caller.email.toLowerCase())) {
      throw forbidden('A user may act on their own data only: the request names another user.');
    }
  });
}

/**
 * The service an internal call comes from, if its credential proves it and the endpoint allows it. A valid token of a
 * user or an admin is a 403: they are who they say, and may not call this.
 */
async function checkServiceCaller(token: string, allowed: readonly string[], { verifier, internal }: AccessCheck): Promise<string> {
  const proven = await internal?.credentials.verify(token, internal.service).catch((error: unknown) => error);
  if (typeof proven === 'string') {
    if (!allowed.includes(proven)) throw forbidden(`This endpoint is for ${allowed.join(', ')}, not ${proven}.`);
    return proven;
  }
  const person = await verifier.verify(token).catch(() => undefined);
  if (person) throw forbidden('This endpoint is internal: only other streamshop services may call it, with a service credential.');
  throw proven;
}

/** The verified caller of a route behind a token. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error(`${request.method} ${request.url}: no caller; is its access 'anyone'?`);
  return request.caller;
}

/** True when the caller may see a thing that belongs to `ownerId` (an admin sees everything). */
export function mayRead(caller: Caller, ownerId: string | null): boolean {
  return caller.role === 'admin' || caller.userId === ownerId;
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header === '') throw missingToken();
  const match = /^Bearer +([\w.~+/-]+=*)$/i.exec(header);
  if (!match) throw invalidToken('expected Authorization: Bearer <token>');
  return match[1] as string;
}

/** Every user the request is about, by the contract's names: `userId` in the path, query or body, `email` in the query. */
function namedOwners(request: FastifyRequest): { userIds: string[]; emails: string[] } {
  const field = (part: unknown, name: string) => {
    const value = (part as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? [value] : [];
  };
  return {
    userIds: [...field(request.params, 'userId'), ...field(request.query, 'userId'), ...field(request.body, 'userId')],
    emails: field(request.query, 'email'),
  };
}

const forbidden = (detail: string) => new AppError({ status: 403, code: 'forbidden', title: 'Forbidden', detail: detail });
