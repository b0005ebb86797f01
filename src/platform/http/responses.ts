import type { RouteOptions } from 'fastify';
import Type from 'typebox';
import { accessStatuses } from '../access/index.ts';
import { Problem } from './problems.ts';

const successDescriptions: Record<number, string> = { 200: 'OK', 201: 'Created' };
/** Every answer carries the request's correlation id (the one given, or a new one). */
export const correlationHeader = {
  'x-correlation-id': Type.String({ description: 'The correlation id of the request, also in the log lines and events it caused' }),
};

/** Response headers routes set, as the OpenAPI document describes them (see `withHeaders`). */
export const ResponseHeaders = {
  location: (what: string) => ({ location: Type.String({ description: `Where the new ${what} is` }) }),
  idempotentReplayed: {
    'idempotent-replayed': Type.Literal('true', {
      description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key',
    }),
  },
  preferenceApplied: {
    'preference-applied': Type.String({ description: 'wait=N when Prefer: wait was honoured (N capped at 30)' }),
  },
};

/** A success schema with the response headers of its route, for the OpenAPI document. */
export const withHeaders = <S extends object>(schema: S, ...headers: Record<string, object>[]): S => ({
  ...schema,
  headers: Object.assign({}, ...headers),
});
const problemDescriptions: Record<number, string> = {
  400: 'Invalid request: the fields at fault are listed in `errors`',
  401: 'No valid bearer token: missing, malformed, expired or not signed by users (WWW-Authenticate: Bearer)',
  403: 'The token is valid, but this caller may not do this (another user\'s data, or an operator\'s action)',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'The body is larger than 16 kB',
  431: 'The request headers are larger than 16 kB',
  415: 'The body is not application/json',
  422: 'Well-formed but refused',
  429: 'Too many attempts; Retry-After says when to try again',
  503: 'A dependency (the database) is unreachable; retry later',
};

/**
 * A route's responses for validation, serialisation and OpenAPI: its success schemas, plus a problem document
 * (application/problem+json) for each of the route's own error statuses. The statuses every route of its kind can
 * answer (400, 401, 403, 413, 415, 503) are added when it is declared (see describeProblems).
 */
export function responses<R extends Record<number, unknown>>(success: R, ...errorStatuses: number[]) {
  const described = Object.entries(success).map(([status, schema]) => {
    const own = (schema as { headers?: Record<string, unknown> }).headers;
    return [status, { ...(schema as object), description: successDescriptions[Number(status)] ?? 'OK', headers: { ...correlationHeader, ...own } }];
  });
  return Object.fromEntries([...described, ...Object.entries(problemResponses(errorStatuses))]) as R;
}

function problemResponses(statuses: number[]): Record<number, object> {
  const headersOf = (status: number) => {
    if (status === 401) return { ...correlationHeader, 'www-authenticate': Type.String({ description: 'Bearer, with error="invalid_token" for a refused token' }) };
    if (status === 503 || status === 429) return { ...correlationHeader, 'retry-after': Type.String({ description: 'Seconds to wait before retrying' }) };
    return correlationHeader;
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: problemDescriptions[status] ?? 'Problem', headers: headersOf(status), content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );
}

/**
 * Documents the problems a route can answer because of what it is: 400 when it validates input, 413 and 415 when
 * it takes a body, 401 and 403 by its access rule, 503 when it reads the database or the signing keys (any route
 * behind a token or with a body). Routes with no response schemas (metrics, the OpenAPI document) are left alone.
 */
export function describeProblems(route: RouteOptions): void {
  const schema = route.schema as { body?: unknown; params?: unknown; querystring?: unknown; headers?: unknown; response?: Record<number, unknown> } | undefined;
  if (!schema?.response) return;
  const access = route.config?.access ?? 'anyone';
  const statuses = [
    ...(schema.body || schema.params || schema.querystring || schema.headers ? [400] : []),
    ...(schema.body ? [413, 415] : []),
    ...accessStatuses(access),
    ...(access !== 'anyone' || schema.body ? [503] : []),
    431,
  ];
  route.schema = {
    ...schema,
    ...(access !== 'anyone' ? { security: [{ bearerAuth: [] }] } : {}),
    response: { ...problemResponses(statuses), ...schema.response },
  };
}
