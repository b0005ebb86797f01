/**
 * The errors Fastify raises itself, before a route runs (a body it cannot take, a path it cannot route), said in
 * our words. Its own codes (FST_ERR_CTP_INVALID_MEDIA_TYPE) and messages name its internals: a client would have to
 * learn our framework to read them, and they would change when it does.
 */

/** The media types request bodies may have: JSON alone (text/plain, Fastify's other default, is removed). */
export const ACCEPTED_MEDIA_TYPES = ['application/json'];
/** The largest body a request may carry. */
export const BODY_LIMIT_BYTES = 16 * 1024;
/** Fastify's maxParamLength, the longest path segment it routes. */
const MAX_PARAM_LENGTH = 100;

export interface FrameworkProblem {
  status: number;
  code: string;
  title: string;
  detail: string;
}

const byFastifyCode: Record<string, FrameworkProblem> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    title: 'Unsupported media type',
    detail: `Request bodies must be JSON, sent with Content-Type: ${ACCEPTED_MEDIA_TYPES.join(' or ')}.`,
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body-too-large',
    title: 'Request body too large',
    detail: `The body is larger than ${BODY_LIMIT_BYTES / 1024} kB, the most a request may carry.`,
  },
  // The JSON parser also refuses a "__proto__" or "constructor.prototype" key, which would poison objects.
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid-json',
    title: 'Invalid request',
    detail: 'The body is not valid JSON, or it has a __proto__ or constructor.prototype key.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'empty-body',
    title: 'Invalid request',
    detail: 'The body is empty, yet Content-Type says it is JSON: send a JSON document, or no Content-Type.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid-content-length',
    title: 'Invalid request',
    detail: 'The body is not as long as its Content-Length header says.',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid-url',
    title: 'Invalid request',
    detail: 'The path is not valid percent-encoded UTF-8 (such as %zz, or a multi-byte character cut short).',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'path-segment-too-long',
    title: 'URI too long',
    detail: `A segment of the path is longer than ${MAX_PARAM_LENGTH} characters; no identifier of this API is.`,
  },
};

/** Codes by status, for a client error of the framework this table does not know yet: never its own code or message. */
const byStatus: Record<number, Omit<FrameworkProblem, 'status' | 'detail'>> = {
  404: { code: 'not-found', title: 'Not found' },
  405: { code: 'method-not-allowed', title: 'Method not allowed' },
  406: { code: 'not-acceptable', title: 'Not acceptable' },
  413: { code: 'body-too-large', title: 'Request body too large' },
  414: { code: 'uri-too-long', title: 'URI too long' },
  415: { code: 'unsupported-media-type', title: 'Unsupported media type' },
  429: { code: 'too-many-requests', title: 'Too many requests' },
};

/** Our problem for a 4xx error the framework raised (by its code, else by its status). */
export function frameworkProblem(error: { code?: string; statusCode?: number }): FrameworkProblem {
  const known = error.code ? byFastifyCode[error.code] : undefined;
  if (known) return known;
  const status = error.statusCode ?? 400;
  const { code, title } = byStatus[status] ?? { code: 'bad-request', title: 'Bad request' };
  return { status, code, title, detail: `The request was refused (HTTP ${status}, ${title.toLowerCase()}).` };
}
