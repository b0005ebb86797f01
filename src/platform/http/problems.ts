import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError } from 'fastify';
import Type from 'typebox';
import { AppError } from '../common/index.ts';
import { isDatabaseUnavailable } from '../database/index.ts';
import { frameworkProblem } from './framework-errors.ts';

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

interface ProblemFields {
  status: number;
  code: string;
  title: string;
  detail: string;
  instance?: string | undefined;
  extensions?: Record<string, unknown>;
}

/** The problem document of an answer: `type` is the code as a URN, extensions (such as `errors`) beside the fields. */
export function problemDocument({ status, code, title, detail, instance, extensions = {} }: ProblemFields) {
  return { type: `urn:streamshop:problem:${code}`, title, status, detail, code, ...(instance ? { instance } : {}), ...extensions };
}

/** What a client sees of any error a request met: its own mistakes keep their message, our failures hide theirs. */
export function toProblem(error: FastifyError, instance: string) {
  if (error instanceof AppError) {
    return problemDocument({ status: error.status, code: error.code, title: error.title, detail: error.message, instance, extensions: error.extensions });
  }
  if (error.validation) {
    const errors = error.validation.map((e) => ({
      field: fieldOf(error.validationContext, e.instancePath, e.params as Record<string, unknown>),
      message: e.message ?? 'is invalid',
    }));
    const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return problemDocument({ status: 400, code: 'validation-failed', title: 'Invalid request', detail, instance, extensions: { errors } });
  }
  if (isDatabaseUnavailable(error)) {
    return problemDocument({ status: 503, code: 'unavailable', title: 'Service unavailable', detail: 'The database is unreachable; retry shortly.', instance });
  }
  if (isDataException(error)) {
    const detail = 'A value of the request cannot be stored; nothing was changed.';
    return problemDocument({ status: 400, code: 'invalid-value', title: 'Invalid request', detail, instance });
  }
  // Left: the framework's own refusals (a body or a path it cannot take), in our words rather than its.
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return problemDocument({ ...frameworkProblem(error), instance });
  return problemDocument({ status: 500, code: 'internal', title: 'Internal error', detail: 'Something went wrong on our side; it has been logged.', instance });
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
  const code = status === 431 ? 'headers-too-large' : 'bad-request';
  const body = JSON.stringify(problemDocument({ status, code, title: STATUS_CODES[status] ?? 'Bad request', detail }));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22: an invalid text representation, a NUL in text, a number out of
 * range) while answering a request: the request carried a value the schemas should have refused. It is a 400, and
 * logged as a validation gap to be closed in the schemas.
 */
export function isDataException(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && e.code.startsWith('22') && e.severity !== undefined;
}

function fieldOf(part: string | undefined, path: string, params: Record<string, unknown>): string {
  const extra = params.additionalProperty ?? params.missingProperty;
  const pointer = [path.replace(/^\//, '').replaceAll('/', '.'), extra].filter(Boolean).join('.');
  return `${part ?? 'body'}${pointer ? `.${pointer}` : ''}`;
}
