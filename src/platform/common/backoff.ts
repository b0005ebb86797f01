/** How long to wait before a retry: the first wait, growing by `factor` after each failure, never above `maxMs`. */
export interface Backoff {
  firstMs: number;
  factor: number;
  maxMs: number;
}

/**
 * The wait before retry number `retry` (1 for the first retry). Every retry loop of the platform (redeliveries,
 * the outbox relay, the NATS consumers, reconnecting to PostgreSQL, restarting the embedded one) waits by this one
 * rule, each with its own numbers.
 */
export function backoffDelay({ firstMs, factor, maxMs }: Backoff, retry: number): number {
  return Math.min(maxMs, firstMs * factor ** Math.max(0, retry - 1));
}
