import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Sql } from './connection.ts';

/** A fixed key: every process of a service takes the same lock before migrating its own database. */
const MIGRATION_LOCK = 7_270_001;

/** A folder of *.sql files and the name its versions are recorded under (`<name>/<file>`). */
export interface MigrationFolder {
  name: string;
  url: URL;
}

/** A database and the folders of its migrations, in the order they apply (the platform's, then the service's). */
export interface MigrationPlan {
  database: string;
  folders: MigrationFolder[];
}

/**
 * Applies the *.sql files of the folders in order, each once, recorded in schema_migrations.
 * All pending files run in one transaction under an advisory lock, so two processes starting
 * at once apply them exactly once and a failed migration leaves nothing half-done.
 * One line at info says where the database stands (a start is read by a person); each file is at debug.
 */
export async function migrate(sql: Sql, { database, folders }: MigrationPlan, log: Logger): Promise<string[]> {
  const files: { version: string; url: URL }[] = [];
  for (const folder of folders) {
    for (const name of (await readdir(folder.url)).filter((n) => n.endsWith('.sql')).sort()) {
      files.push({ version: `${folder.name}/${name}`, url: new URL(name, folder.url) });
    }
  }
  const applied = await sql.begin(async (tx) => {
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
      log.debug({ migration: file.version }, 'migration applied');
    }
    return applied;
  });
  log.info({ applied: applied.length, migrations: files.length }, migrationSummary(database, applied.length, files.length));
  return applied;
}

/** "billing: database up to date (3 migrations applied)", or "billing: 12 migrations, none pending". */
export function migrationSummary(database: string, applied: number, total: number): string {
  const plural = (n: number) => `${n} migration${n === 1 ? '' : 's'}`;
  return applied ? `${database}: database up to date (${plural(applied)} applied)` : `${database}: ${plural(total)}, none pending`;
}
