import type { Sql, Tx } from '../../platform/database/index.ts';
import type { Letter } from './contract.ts';
import type { OrderOutcome } from './letters.ts';

interface LetterRow {
  id: string;
  user_id: string | null;
  email: string;
  kind: Letter['kind'];
  subject: string;
  body: string;
  order_id: string | null;
  created_at: Date;
}
export interface Recipient {
  userId: string;
  email: string;
  name: string;
}

const toLetter = (row: LetterRow): Letter => ({
  id: row.id,
  userId: row.user_id,
  email: row.email,
  kind: row.kind,
  subject: row.subject,
  body: row.body,
  ...(row.order_id ? { orderId: row.order_id } : {}),
  createdAt: row.created_at.toISOString(),
});

const COLUMNS = 'id, user_id, email, kind, subject, body, order_id, created_at';

/**
 * A per-user lock, so an address and an outcome never miss each other. Learning the address takes it exclusive;
 * order outcomes take it shared: they conflict with the address, not with each other (each writes its own order's
 * letter or pending outcome, both unique per order).
 */
export async function lockRecipient(tx: Tx, userId: string, mode: 'exclusive' | 'shared'): Promise<void> {
  await (mode === 'exclusive'
    ? tx`SELECT pg_advisory_xact_lock(hashtextextended(${userId}, 0))`
    : tx`SELECT pg_advisory_xact_lock_shared(hashtextextended(${userId}, 0))`);
}

export async function saveRecipient(tx: Tx, r: Recipient): Promise<void> {
  await tx`
    INSERT INTO recipients (user_id, email, name) VALUES (${r.userId}, ${r.email}, ${r.name})
    ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name`;
}

export async function findRecipient(tx: Tx | Sql, by: { userId: string } | { email: string }): Promise<Recipient | undefined> {
  const [row] = await tx<{ user_id: string; email: string; name: string }[]>`
    SELECT user_id, email, name FROM recipients
    WHERE ${'userId' in by ? tx`user_id = ${by.userId}` : tx`lower(email) = lower(${by.email})`}`;
  return row && { userId: row.user_id, email: row.email, name: row.name };
}

/** Returns the stored letter, or undefined when the order already has one. */
export async function insertLetter(
  tx: Tx,
  letter: { id: string; userId: string | null; email: string; kind: Letter['kind']; subject: string; body: string; orderId?: string },
): Promise<Letter | undefined> {
  const [row] = await tx<LetterRow[]>`
    INSERT INTO letters (id, user_id, email, kind, subject, body, order_id)
    VALUES (${letter.id}, ${letter.userId}, ${letter.email}, ${letter.kind}, ${letter.subject}, ${letter.body}, ${letter.orderId ?? null})
    ON CONFLICT (order_id, kind) WHERE order_id IS NOT NULL DO NOTHING
    RETURNING ${tx.unsafe(COLUMNS)}`;
  return row && toLetter(row);
}

export async function keepPendingOutcome(tx: Tx, userId: string, o: OrderOutcome): Promise<void> {
  await tx`
    INSERT INTO pending_outcomes (order_id, user_id, kind, price, reason)
    VALUES (${o.orderId}, ${userId}, ${o.kind}, ${o.price}, ${o.reason ?? null})
    ON CONFLICT DO NOTHING`;
}

export async function takePendingOutcomes(tx: Tx, userId: string): Promise<OrderOutcome[]> {
  const rows = await tx<{ order_id: string; kind: OrderOutcome['kind']; price: string; reason: string | null }[]>`
    DELETE FROM pending_outcomes WHERE user_id = ${userId} RETURNING order_id, kind, price, reason`;
  return rows.map((r) => ({ orderId: r.order_id, kind: r.kind, price: Number(r.price), reason: r.reason }));
}

export async function findOrderLetter(sql: Sql, orderId: string, kind: Letter['kind']): Promise<Letter | undefined> {
  const [row] = await sql<LetterRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM letters WHERE order_id = ${orderId} AND kind = ${kind}`;
  return row && toLetter(row);
}

export async function findLetter(sql: Sql, id: string): Promise<Letter | undefined> {
  const [row] = await sql<LetterRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM letters WHERE id = ${id}`;
  return row && toLetter(row);
}

export async function listLetters(
  sql: Sql,
  by: { userId: string } | { email: string },
  limit: number,
  before?: string,
): Promise<Letter[]> {
  const rows = await sql<LetterRow[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM letters
    WHERE ${'userId' in by ? sql`user_id = ${by.userId}` : sql`lower(email) = lower(${by.email})`}
      ${before ? sql`AND id < ${before}` : sql``}
    ORDER BY id DESC LIMIT ${limit}`;
  return rows.map(toLetter);
}
