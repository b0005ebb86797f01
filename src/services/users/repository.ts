import type { Sql, Tx } from '../../platform/database/index.ts';
import type { Role } from '../../platform/access/index.ts';
import type { User } from './contract.ts';

interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.created_at.toISOString(),
});

export interface NewUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
}

export async function insertUser(tx: Tx, user: NewUser): Promise<User> {
  const [row] = await tx<UserRow[]>`
    INSERT INTO users (id, email, name, password_hash, role)
    VALUES (${user.id}, ${user.email}, ${user.name}, ${user.passwordHash}, ${user.role})
    RETURNING id, email, name, created_at`;
  return toUser(row as UserRow);
}

export async function findUser(sql: Sql, id: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`SELECT id, email, name, created_at FROM users WHERE id = ${id}`;
  return row && toUser(row);
}

export async function findUserByEmail(sql: Sql, email: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`SELECT id, email, name, created_at FROM users WHERE lower(email) = lower(${email})`;
  return row && toUser(row);
}

export interface Credentials {
  id: string;
  email: string;
  role: Role;
  passwordHash: string | null;
}

export async function findCredentials(sql: Sql, email: string): Promise<Credentials | undefined> {
  const [row] = await sql<{ id: string; email: string; role: Role; password_hash: string | null }[]>`
    SELECT id, email, role, password_hash FROM users WHERE lower(email) = lower(${email})`;
  return row && { id: row.id, email: row.email, role: row.role, passwordHash: row.password_hash };
}

/** Makes an existing account the operator's: role admin, and the operator's password. Returns false if there is none. */
export async function makeOperator(tx: Tx, email: string, passwordHash: string): Promise<boolean> {
  const rows = await tx`
    UPDATE users SET role = 'admin', password_hash = ${passwordHash} WHERE lower(email) = lower(${email}) RETURNING id`;
  return rows.length === 1;
}

/**
 * The failures of one address within the window, oldest first, counted under a per-address lock so that parallel
 * attempts are counted one after another. The caller records its attempt in the same transaction.
 */
export async function recentLoginFailures(tx: Tx, email: string, windowSeconds: number, limit: number): Promise<{ count: number; retryAfterSeconds: number }> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`login:${email}`}, 0))`;
  const [row] = await tx<{ count: number; retry_after: number | null }[]>`
    SELECT count(*)::int AS count,
           ceil(extract(epoch FROM min(failed_at) + make_interval(secs => ${windowSeconds}) - now()))::int AS retry_after
    FROM (SELECT failed_at FROM login_failures
          WHERE email = ${email} AND failed_at > now() - make_interval(secs => ${windowSeconds})
          ORDER BY failed_at DESC LIMIT ${limit}) AS recent`;
  return { count: row?.count ?? 0, retryAfterSeconds: Math.max(1, row?.retry_after ?? 1) };
}

/** Records a failure, and forgets this address's failures that have left the window. */
export async function recordLoginFailure(sql: Sql | Tx, email: string, windowSeconds: number): Promise<void> {
  await sql`
    WITH forgotten AS (
      DELETE FROM login_failures WHERE email = ${email} AND failed_at <= now() - make_interval(secs => ${windowSeconds})
    )
    INSERT INTO login_failures (email) VALUES (${email})`;
}

export async function forgetLoginFailures(sql: Sql, email: string): Promise<void> {
  await sql`DELETE FROM login_failures WHERE email = ${email}`;
}
