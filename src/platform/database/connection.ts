import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import postgres from 'postgres';

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
    backoff: (retries: number) => Math.min(0.1 * 2 ** retries, 2),
  });
}

/** A fixed key: every process of a service takes the same lock before migrating its own database. */
const MIGRATION_LOCK = 7_270_001;

/** A folder of *.sql files and the name its versions are recorded under (`<name>/<file>`). */
export interface MigrationFolder {
  name: string;
  url: URL;
}

/**
 * Applies the *.sql files of the folders in order (the platform's, then the service's), each once, recorded in schema_migrations.
 * All pending files run in one transaction under an advisory lock, so two processes starting
 * at once apply them exactly once and a failed migration leaves nothing half-done.
 */
export async function migrate(sql: Sql, folders: MigrationFolder[], log: Logger): Promise<string[]> {
  const files: { version: string; url: URL }[] = [];
  for (const folder of folders) {
    for (const name of (await readdir(folder.url)).filter((n) => n.endsWith('.sql')).sort()) {
      files.push({ version: `${folder.name}/${name}`, url: new URL(name, folder.url) });
    }
  }
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files.filter(({ version }) => !done.has(version))) {
      await tx.unsafe(await readFile(file.url, 'utf8'));
      await tx`INSERT INTO schema_migrations (version) VALUES (${file.version})`;
      applied.push(file.version);
      log.info({ migration: file.version }, 'migration applied');
    }
    return applied;
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
