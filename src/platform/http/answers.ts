import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../common/index.ts';
import { ACCEPTED_MEDIA_TYPES, frameworkProblem } from './framework-errors.ts';
import { isDataException, problemDocument, toProblem } from './problems.ts';

type Problem = ReturnType<typeof problemDocument>;

function send(reply: FastifyReply, problem: Problem) {
  // RFC 9110: a 415 may say what the resource would take.
  if (problem.status === 415) reply.header('accept', ACCEPTED_MEDIA_TYPES.join(', '));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/**
 * Every error becomes a problem document: a client's mistake a 4xx with its reason, our failure a 5xx that hides
 * it, and a route that is not here a 404 — also where the path is served with another method: the internal
 * endpoints (PUT /billing/accounts/{userId}, say) must look absent from the public port, not merely refused.
 */
export function answerWithProblems(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    if (isDataException(error)) request.log.warn({ err: error, route: request.routeOptions.url }, 'validation gap: the database refused a value the schemas let through');
    if (problem.status === 503) reply.header('retry-after', '1');
    if (error instanceof AppError) reply.headers(error.headers);
    return send(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const detail = `No route for ${request.method} ${request.url}`;
    return send(reply, problemDocument({ status: 404, code: 'not-found', title: 'Not found', detail, instance: request.url }));
  });
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any handler (a malformed percent-encoding, a path
 * segment too long) would otherwise be answered with its own JSON and error code.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return send(reply, problemDocument({ ...frameworkProblem(error), instance: request.url }));
}
