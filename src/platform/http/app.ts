import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type RawServerDefault,
  type RouteOptions,
} from 'fastify';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import Type from 'typebox';
import { newId } from '../runtime/ids.ts';
import { type Access, accessStatuses, bearerAuth, installAccessControl } from '../access/route-access.ts';
import { isDatabaseUnavailable } from '../database/connection.ts';
import { AppError } from './errors.ts';
import type { FlowContext } from '../messaging/events.ts';
import type { ServiceMetrics } from '../observability/metrics.ts';
import type { TokenVerifier } from '../access/tokens.ts';
import { type OpenSpan, SpanKind, type Tracing, traceIdsOf } from '../observability/tracing.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** RFC 9457 problem document, as every error response of every service. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI reference naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable code' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'For validation errors: each field at fault',
      }),
    ),
  },
  { additionalProperties: true },
);

const successDescriptions: Record<number, string> = { 200: 'OK', 201: 'Created' };
/** Every answer carries the request's correlation id (the one given, or a new one). */
const correlationHeader = {
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
function describeProblems(route: RouteOptions): void {
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

/** Route options of the operational routes every service serves to anyone. */
const open = { access: 'anyone' as Access };

export interface HttpAppOptions {
  service: string;
  description: string;
  log: Logger;
  metrics: ServiceMetrics;
  isReady: () => Promise<boolean>;
  /** Checks the bearer tokens of the routes that need one. */
  verifier: TokenVerifier;
  tracing: Tracing;
}

const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * A service's HTTP app: schema-first routes under the service's prefix, strict body validation,
 * problem documents for every error, health, metrics and its OpenAPI document.
 */
export async function createHttpApp(options: HttpAppOptions, routes: (app: App) => Promise<void> | void): Promise<App> {
  const { service, log, metrics } = options;
  const prefix = `/${service}`;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Requests are logged once, on response, with the correlation id under the name every log line uses.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'correlationId' }),
    bodyLimit: 16 * 1024,
    clientErrorHandler: answerClientError,
    routerOptions: { ignoreTrailingSlash: true },
    genReqId: (req) => {
      const given = req.headers[CORRELATION_HEADER];
      return typeof given === 'string' && CORRELATION_PATTERN.test(given) ? given : newId();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are JSON only: Fastify would also take text/plain, which then fails validation as a 400, not a 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strictAjv.compile(schema) : coercingAjv.compile(schema),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    if (isDataException(error)) request.log.warn({ err: error, route: request.routeOptions.url }, 'validation gap: the database refused a value the schemas let through');
    if (problem.status === 503) reply.header('retry-after', '1');
    if (error instanceof AppError) reply.headers(error.headers);
    return reply.code(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, 'not-found', 'Not found', `No route for ${request.method} ${request.url}`, request.url)),
  );
  app.decorateRequest('traceparent', undefined);
  app.decorateRequest('span', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(CORRELATION_HEADER, request.id);
    // The request's place in a trace: its own span when tracing is on, else the caller's traceparent, if valid.
    const given = traceIdsOf(request.headers.traceparent) ? (request.headers.traceparent as string) : undefined;
    const route = request.routeOptions.url ?? 'unknown';
    const span = options.tracing.start(`${request.method} ${route}`, SpanKind.SERVER, given, { 'http.request.method': request.method, 'http.route': route });
    request.span = span;
    request.traceparent = span?.traceparent ?? given;
    const ids = span ?? traceIdsOf(given);
    if (ids) request.log = request.log.child({ traceId: ids.traceId, spanId: ids.spanId });
  });
  app.addHook('onResponse', async (request, reply) => {
    request.span?.end({ attributes: { 'http.response.status_code': reply.statusCode }, ...(reply.statusCode >= 500 ? { error: `HTTP ${reply.statusCode}` } : {}) });
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpRequestSeconds.observe(
      { method: request.method, route, status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  installAccessControl(app, options.verifier);
  // Before the OpenAPI plugin, so the operations it collects already carry their security and every answer.
  app.addHook('onRoute', describeProblems);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `streamshop ${service}`, version: '1.0.0', description: options.description },
      components: { securitySchemes: bearerAuth },
    },
  });

  await app.register(
    async (scoped: App) => {
      scoped.get('/health/live', { config: open, schema: { tags: ['operations'], response: { 200: Health } } }, async () => ({ status: 'ok' as const }));
      scoped.get('/health/ready', { config: open, schema: { tags: ['operations'], response: { 200: Health, 503: Problem } } }, async () => {
        if (await options.isReady()) return { status: 'ok' as const };
        throw new AppError(503, 'not-ready', 'Not ready', 'The database or the broker does not answer.');
      });
      scoped.get('/metrics', { config: open, schema: { tags: ['operations'], hide: true } }, async (_request, reply) =>
        reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
      );
      scoped.get('/openapi.json', { config: open, schema: { hide: true } }, async () => app.swagger());
      await routes(scoped);
    },
    { prefix },
  );
  return app;
}

const Health = Type.Object({ status: Type.Literal('ok') });

/** The flow a request starts: its correlation id travels on in every event it causes. */
export function flowOf(request: { id: string; traceparent?: string | undefined }): FlowContext {
  return { correlationId: request.id, ...(request.traceparent ? { traceparent: request.traceparent } : {}) };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Where the request is in a trace: its span's traceparent, or the caller's. */
    traceparent?: string | undefined;
    span?: OpenSpan | undefined;
  }
}

// Bodies are strict (no coercion: "10" is not a number, unknown fields are an error);
// params and query strings are text on the wire, so they are coerced to their schema types.
const strictAjv = addFormats.default(new Ajv.default({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false }));
const coercingAjv = addFormats.default(new Ajv.default({ allErrors: true, coerceTypes: true, useDefaults: true, removeAdditional: false }));
for (const ajv of [strictAjv, coercingAjv]) ajv.addKeyword('example');

function problem(status: number, code: string, title: string, detail: string, instance?: string, extensions: Record<string, unknown> = {}) {
  return { type: `urn:streamshop:problem:${code}`, title, status, detail, code, ...(instance ? { instance } : {}), ...extensions };
}

function toProblem(error: FastifyError, instance: string) {
  if (error instanceof AppError) {
    return problem(error.status, error.code, error.title, error.message, instance, error.extensions);
  }
  if (error.validation) {
    const errors = error.validation.map((e) => ({
      field: fieldOf(error.validationContext, e.instancePath, e.params as Record<string, unknown>),
      message: e.message ?? 'is invalid',
    }));
    const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return problem(400, 'validation-failed', 'Invalid request', detail, instance, { errors });
  }
  if (isDatabaseUnavailable(error)) {
    return problem(503, 'unavailable', 'Service unavailable', 'The database is unreachable; retry shortly.', instance);
  }
  if (isDataException(error)) {
    return problem(400, 'invalid-value', 'Invalid request', 'A value of the request cannot be stored; nothing was changed.', instance);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // The JSON parser also refuses a "__proto__" or "constructor.prototype" key, which would poison objects.
    return problem(400, 'invalid-json', 'Invalid request', 'The body is not valid JSON, or it has a __proto__ or constructor.prototype key.', instance);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = (error.code ?? 'bad-request').toLowerCase().replaceAll('_', '-');
    return problem(status, code, titleOf(status), error.message, instance);
  }
  return problem(500, 'internal', 'Internal error', 'Something went wrong on our side; it has been logged.', instance);
}

/**
 * What Node's HTTP parser refuses before there is a request to route (headers over 16 kB, a malformed request line)
 * is answered with a problem document all the same, then the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail = status === 431 ? 'The request headers are larger than 16 kB.' : 'The request could not be read as HTTP.';
  const body = JSON.stringify(problem(status, status === 431 ? 'headers-too-large' : 'bad-request', STATUS_CODES[status] ?? 'Bad request', detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22: an invalid text representation, a NUL in text, a number out of
 * range) while answering a request: the request carried a value the schemas should have refused. It is a 400, and
 * logged as a validation gap to be closed in the schemas.
 */
function isDataException(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && e.code.startsWith('22') && e.severity !== undefined;
}

function fieldOf(part: string | undefined, path: string, params: Record<string, unknown>): string {
  const extra = params.additionalProperty ?? params.missingProperty;
  const pointer = [path.replace(/^\//, '').replaceAll('/', '.'), extra].filter(Boolean).join('.');
  return `${part ?? 'body'}${pointer ? `.${pointer}` : ''}`;
}

function titleOf(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad request',
    404: 'Not found',
    405: 'Method not allowed',
    406: 'Not acceptable',
    413: 'Request body too large',
    415: 'Unsupported media type',
    429: 'Too many requests',
  };
  return titles[status] ?? 'Client error';
}
