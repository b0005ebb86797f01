import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory, LogController, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import Type, { type Static } from 'typebox';
import { type Access, type AccessCheck, bearerAuth, installAccessControl } from '../access/index.ts';
import { AppError, type Gate, newId } from '../common/index.ts';
import type { Correlation } from '../messaging/index.ts';
import { type OpenSpan, type ServiceMetrics, SpanKind, type Tracing, traceIdsOf } from '../observability/index.ts';
import { answerFrameworkError, answerWithProblems } from './answers.ts';
import { BODY_LIMIT_BYTES } from './framework-errors.ts';
import { answerClientError, Problem } from './problems.ts';
import { describeProblems } from './responses.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpAppOptions {
  service: string;
  description: string;
  log: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
  /** Checks the bearer tokens of the routes that need one (and, on an internal listener, services' credentials). */
  access: AccessCheck;
  /**
   * Health and metrics, served by the public listener. An internal listener has none of its own: it serves only the
   * internal endpoints and their OpenAPI document.
   */
  /** While closed, every request waits before it is handled (the embedded default's stand-in for SIGSTOP). */
  gate?: Gate;
  health?: {
    isReady: () => Promise<boolean>;
    /** How the process is set up, by setting name: shown by /health/ready, so an operator sees what runs. */
    settings: Static<typeof ProcessSettings>;
  };
  /** Makes the server the app listens on, when it answers more than the app's routes (the console process's /docs). */
  serverFactory?: FastifyServerFactory;
}

const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * A service's HTTP app: schema-first routes under the service's prefix, strict body validation,
 * problem documents for every error, health, metrics and its OpenAPI document.
 */
export async function createHttpApp(options: HttpAppOptions, routes: (app: App) => Promise<void> | void): Promise<App> {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    // Requests are logged once, on response, with the correlation id under the name every log line uses.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'correlationId' }),
    bodyLimit: BODY_LIMIT_BYTES,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    routerOptions: { ignoreTrailingSlash: true },
    serverFactory: options.serverFactory,
    genReqId: (req) => {
      const given = req.headers[CORRELATION_HEADER];
      return typeof given === 'string' && CORRELATION_PATTERN.test(given) ? given : newId();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are JSON only: Fastify would also take text/plain, which then fails validation as a 400, not a 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv.compile(schema) : coercingAjv.compile(schema)));
  answerWithProblems(app);
  const { gate } = options;
  if (gate) app.addHook('onRequest', () => gate.pass());
  traceAndLogRequests(app, options);
  installAccessControl(app, options.access);
  // Before the OpenAPI plugin, so the operations it collects already carry their security and every answer.
  app.addHook('onRoute', describeProblems);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `streamshop ${options.service}`, version: '1.0.0', description: options.description },
      components: { securitySchemes: bearerAuth },
    },
  });
  await app.register(
    async (scoped: App) => {
      operationalRoutes(scoped, app, options);
      await routes(scoped);
    },
    { prefix: `/${options.service}` },
  );
  return app;
}

/** Each request gets its correlation id back, a span when tracing is on, a duration metric and one log line. */
function traceAndLogRequests(app: App, { tracing, metrics }: HttpAppOptions): void {
  app.decorateRequest('traceparent', undefined);
  app.decorateRequest('span', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(CORRELATION_HEADER, request.id);
    // The request's place in a trace: its own span when tracing is on, else the caller's traceparent, if valid.
    const given = traceIdsOf(request.headers.traceparent) ? (request.headers.traceparent as string) : undefined;
    const route = request.routeOptions.url ?? 'unknown';
    const span = tracing.start(`${request.method} ${route}`, SpanKind.SERVER, given, { 'http.request.method': request.method, 'http.route': route });
    request.span = span;
    request.traceparent = span?.traceparent ?? given;
    const ids = span ?? traceIdsOf(given);
    if (ids) request.log = request.log.child({ traceId: ids.traceId, spanId: ids.spanId });
  });
  app.addHook('onResponse', async (request, reply) => {
    const failed = reply.statusCode >= 500 ? { error: `HTTP ${reply.statusCode}` } : {};
    request.span?.end({ attributes: { 'http.response.status_code': reply.statusCode }, ...failed });
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpRequestSeconds.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
}

/** Route options of the operational routes every service serves to anyone. */
const publicRoute = { access: 'anyone' as Access };
const Health = Type.Object({ status: Type.Literal('ok') });
/**
 * The settings readiness shows, so that an operator sees how the process runs (the console has none: it shows the
 * style orders reports). A setting must be named here to be shown: the response schema drops any other.
 */
export const ProcessSettings = Type.Object({
  MESSAGE_BATCHING: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')], { description: 'Whether the speed layer batches deliveries and writes' })),
  INTERACTION_STYLE: Type.Optional(
    Type.Union([Type.Literal('events'), Type.Literal('http'), Type.Literal('hybrid'), Type.Literal('saga')], { description: 'How the services cooperate' }),
  ),
});
const Readiness = Type.Object({ status: Type.Literal('ok'), settings: ProcessSettings });

/** The OpenAPI document, and on the public listener health and metrics, under the service's prefix. */
function operationalRoutes(scoped: App, app: App, { health, metrics }: HttpAppOptions): void {
  const tags = ['operations'];
  scoped.get('/openapi.json', { config: publicRoute, schema: { hide: true } }, async () => app.swagger());
  if (!health) return;
  const { isReady, settings } = health;
  scoped.get('/health/live', { config: publicRoute, schema: { tags, response: { 200: Health } } }, async () => ({ status: 'ok' as const }));
  scoped.get('/health/ready', { config: publicRoute, schema: { tags, response: { 200: Readiness, 503: Problem } } }, async () => {
    if (await isReady()) return { status: 'ok' as const, settings };
    throw new AppError({ status: 503, code: 'not-ready', title: 'Not ready', detail: 'The database or the broker does not answer.', extensions: { settings } });
  });
  scoped.get('/metrics', { config: publicRoute, schema: { tags, hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}

/** The correlation a request starts: its id travels on in every event it causes, with its place in the trace. */
export function correlationOf(request: { id: string; traceparent?: string | undefined }): Correlation {
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
