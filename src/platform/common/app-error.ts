/** What an AppError says to the client: a problem document's fields, and the headers it needs. */
export interface Problem {
  status: number;
  /** Stable, machine-readable: clients and tests match on it. */
  code: string;
  title: string;
  detail: string;
  extensions?: Record<string, unknown>;
  /** Response headers the problem needs, such as WWW-Authenticate or Retry-After. */
  headers?: Record<string, string>;
}

/**
 * The one error type of the product: a stable code, an HTTP status and a human title. Each service keeps its
 * catalogue of these in its own errors.ts; the HTTP layer turns them into RFC 9457 problem documents.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(problem: Problem) {
    super(problem.detail);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.extensions = problem.extensions ?? {};
    this.headers = problem.headers ?? {};
  }
}
