/**
 * Each service's own PostgreSQL database: the connection pool, migrations, transactions that make their queued
 * writes before they commit (transactions.ts), the retention of old rows, and the embedded PostgreSQL from npm that
 * the default topology runs, with its supervisor.
 */
export { connectDatabase, DEFAULT_POOL_SIZE, isDatabaseUnavailable, isUniqueViolation, type Sql, type Tx } from './connection.ts';
export { type EmbeddedPostgres, type EmbeddedPostgresOptions, startEmbeddedPostgres } from './embedded-postgres.ts';
export { type MigrationFolder, type MigrationPlan, migrate } from './migrations.ts';
export { childrenOf, isAlive } from './postgres-process.ts';
export { registerRetentionGauges, type RetentionRule, startRetention } from './retention.ts';
export {
  type CommitWrite,
  type Database,
  type DatabaseOptions,
  openDatabase,
  queueForCommit,
  sendBeforeCommit,
  type SendWrites,
} from './transactions.ts';
