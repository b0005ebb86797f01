import postgres from 'postgres';
import { backoffDelay } from '../common/index.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** Connections a service keeps to its database unless told otherwise. */
export const DEFAULT_POOL_SIZE = 10;

export function connectDatabase(url: string, applicationName: string, max = DEFAULT_POOL_SIZE): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: applicationName },
    // Fail fast while the database is away, so requests get a 503 instead of hanging.
    connect_timeout: 5,
    // Reconnect waits grow to 2 s, not the driver's 20 s: requests meanwhile wait for them, and so does recovery.
    backoff: (retries: number) => backoffDelay({ firstMs: 100, factor: 2, maxMs: 2_000 }, retries + 1) / 1_000,
  });
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND', // the database's host name does not resolve (yet): a replaced pod, a DNS hiccup
  'EAI_AGAIN',
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08006', // connection_failure
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

/** True when an error means "the database is not reachable now", not "the query is wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint_name?: string } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint_name === constraint);
}
