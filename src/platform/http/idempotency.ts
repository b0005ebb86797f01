import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../database/index.ts';
import { AppError } from '../common/index.ts';

const idempotencyKeyReused = () =>
  new AppError({ status: 422, code: 'idempotency-key-reused', title: 'Idempotency-Key reused with a different request', detail: 'This Idempotency-Key was already used with another body or path; use a new key for a new request.' });

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key request header, as routes declare it (validation and OpenAPI). */
export const idempotencyKeyHeader = {
  'idempotency-key': {
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x21-\\x7e]+$',
    description: 'Retry-safe key, 1 to 255 visible ASCII characters: the same key and body replay the first result; another body is a 422',
  },
} as const;

export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header)) {
    throw new AppError({ status: 400, code: 'invalid-idempotency-key', title: 'Invalid Idempotency-Key', detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters.' });
  }
  return header;
}

/** A request that may carry an Idempotency-Key: the key, whose operation it is, and what it asks (hashed). */
export interface IdempotentRequest {
  key: string | undefined;
  /** The operation and whose it is (e.g. `orders.place:<userId>`): one user's keys never meet another's. */
  scope: string;
  body: unknown;
}

/**
 * Runs `execute` at most once per (scope, key), in the caller's transaction: the key is claimed
 * there, so it is stored exactly when the effect commits. A retry with the same request gets the
 * first response; the same key with another request is a 422. Concurrent retries wait on the claim.
 */
export async function withIdempotencyKey<T>(
  tx: Tx,
  { key, scope, body }: IdempotentRequest,
  execute: () => Promise<StoredResponse<T>>,
): Promise<StoredResponse<T> & { replayed: boolean }> {
  if (key === undefined) return { ...(await execute()), replayed: false };
  const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const claimed = await tx`
    INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (${scope}, ${key}, ${requestHash})
    ON CONFLICT DO NOTHING RETURNING key`;
  if (claimed.length === 0) {
    const [first] = await tx<{ request_hash: string; status: number; response: T }[]>`
      SELECT request_hash, status, response FROM idempotency_keys WHERE scope = ${scope} AND key = ${key}`;
    if (!first || first.request_hash !== requestHash) throw idempotencyKeyReused();
    return { status: first.status, body: first.response, replayed: true };
  }
  const result = await execute();
  await tx`
    UPDATE idempotency_keys SET status = ${result.status}, response = ${tx.json(result.body as never)}
    WHERE scope = ${scope} AND key = ${key}`;
  return { ...result, replayed: false };
}

/**
 * Replaces the stored answer of a key when the first request's answer was decided after its transaction (the
 * http styles finish a cancellation by a call after the commit): a repeat then gets what the first request got.
 */
export async function replaceStoredAnswer<T>(sql: Sql, { key, scope }: IdempotentRequest, answer: StoredResponse<T>): Promise<void> {
  if (key === undefined) return;
  await sql`UPDATE idempotency_keys SET status = ${answer.status}, response = ${sql.json(answer.body as never)} WHERE scope = ${scope} AND key = ${key}`;
}
