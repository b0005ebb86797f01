import type { Sql, Tx } from '../../platform/db.ts';
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

export async function insertUser(tx: Tx, user: { id: string; email: string; name: string }): Promise<User> {
  const [row] = await tx<UserRow[]>`
    INSERT INTO users (id, email, name) VALUES (${user.id}, ${user.email}, ${user.name})
    RETURNING id, email, name, created_at`;
  return toUser(row as UserRow);
}

export async function findUser(sql: Sql, id: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`SELECT id, email, name, created_at FROM users WHERE id = ${id}`;
  return row && toUser(row);
}
