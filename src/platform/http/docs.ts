import { createServer } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify';
import { answerFrameworkError, answerWithProblems } from './answers.ts';

/**
 * The Swagger UI at /docs, showing each service's OpenAPI document (/<service>/openapi.json, which each service
 * serves itself), with a Fastify instance of its own rather than inside a service's app. It serves only the UI's
 * static files, so it has no access rules to declare, and a page that embeds a service's own headers (the
 * console's strict Content-Security-Policy) does not apply to it. The gateway serves it, and so does the console
 * process in Kubernetes, where there is no gateway. Not yet ready, so the gateway can add its own routes first.
 */
export async function createDocsApp(services: readonly string[]): Promise<FastifyInstance> {
  const docs = Fastify({ logger: false, frameworkErrors: answerFrameworkError });
  answerWithProblems(docs);
  await docs.register(fastifySwagger, {
    mode: 'static',
    specification: { document: { openapi: '3.1.0', info: { title: 'streamshop', version: '1.0.0' }, paths: {} } },
  });
  await docs.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // The token pasted under Authorize is kept across reloads and sent with every try-out.
    uiConfig: { urls: services.map((name) => ({ name, url: `/${name}/openapi.json` })), persistAuthorization: true },
  });
  return docs;
}

/** Whether a request's path is /docs or under it (its static files), with or without a query. */
export const isDocsPath = (url = '/'): boolean => url.split(/[/?]/)[1] === 'docs';

/**
 * A Fastify `serverFactory`: the app's own server, except that /docs is answered by the docs app (ready before the
 * first request). The server keeps the timeouts Fastify sets on a server it makes itself (keep-alive longer than a
 * proxy's, so the ingress never reuses a connection the app is closing).
 */
export function serverWithDocs(docs: FastifyInstance): FastifyServerFactory {
  return (handler, fastifyOptions) => {
    const server = createServer((req, res) => (isDocsPath(req.url) ? docs.routing(req, res) : handler(req, res)));
    const timeouts = fastifyOptions as Record<'keepAliveTimeout' | 'requestTimeout' | 'connectionTimeout', number>;
    server.keepAliveTimeout = timeouts.keepAliveTimeout;
    server.requestTimeout = timeouts.requestTimeout;
    server.setTimeout(timeouts.connectionTimeout);
    return server;
  };
}
