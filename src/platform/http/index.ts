/**
 * HTTP, the same in every service: the Fastify app with schema-first routes, RFC 9457 problem documents for every
 * error, the response schemas of the OpenAPI documents, Idempotency-Key handling, the gateway that puts every
 * service behind one port (the embedded default and the stack), and the Swagger UI at /docs that it serves.
 */
export { type App, correlationOf, createHttpApp, type HttpAppOptions } from './app.ts';
export { createDocsApp, serverWithDocs } from './docs.ts';
export { type GatewayOptions, startGateway, type Upstream } from './gateway.ts';
export { idempotencyKeyHeader, type IdempotentRequest, readIdempotencyKey, replaceStoredAnswer, type StoredResponse, withIdempotencyKey } from './idempotency.ts';
export { answerClientError, Problem, problemDocument } from './problems.ts';
export { createInternalClient, type InternalAnswer, type InternalCall, type InternalClient, ServiceUnreachable } from './internal-client.ts';
export { ResponseHeaders, responses, withHeaders } from './responses.ts';
