/**
 * The floor: the least a server can do for the same business on the same PostgreSQL binaries.
 * One node:http server, one database, and ONE transaction per order (conditional balance update
 * `WHERE balance >= $1`, ledger line, order row already final, letter row), answering with the
 * final order. No bus, no outbox, no inbox, no framework: what streamshop is measured against.
 *
 * POST /checked/orders is the same with streamshop's token check in front (the Ed25519 signature and the owner of
 * the userId, with the same code): the difference between the two is what authentication costs per order.
 * POST /four-commits/orders does the same work in four transactions one after another, as streamshop's services do.
 *
 * Env: PORT (0 = free), DATA_DIR (its own PostgreSQL cluster), POOL (connections, default 10).
 * Prints "floor listening on http://127.0.0.1:<port>" once ready; SIGTERM stops it and PostgreSQL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import closeWithGrace from 'close-with-grace';
import postgres from 'postgres';
import { startEmbeddedPostgres, type Sql, type Tx } from '../src/platform/database/index.ts';
import { newId } from '../src/platform/common/index.ts';
import { createLogger } from '../src/platform/observability/index.ts';
import { createTokenIssuer, localTokenVerifier, newSigningKey } from '../src/platform/access/index.ts';
import { composeOrderLetter } from '../src/services/notifications/letters.ts';
import { type OrderRow, toOrder } from '../src/services/orders/repository.ts';

/** The floor's tables: the DBOS peer keeps its business in the same ones (bench/peers/dbos/). */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id uuid PRIMARY KEY, email text NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS accounts (
  user_id uuid PRIMARY KEY REFERENCES users (id),
  balance bigint NOT NULL DEFAULT 0 CHECK (balance >= 0 AND balance <= 9007199254740991),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ledger (
  id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES accounts (user_id),
  type text NOT NULL CHECK (type IN ('deposit', 'withdrawal', 'payment')), amount bigint NOT NULL CHECK (amount > 0),
  balance_after bigint NOT NULL, order_id uuid, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS ledger_by_account ON ledger (user_id, id DESC);
CREATE UNIQUE INDEX IF NOT EXISTS ledger_one_payment_per_order ON ledger (order_id) WHERE type = 'payment';
CREATE TABLE IF NOT EXISTS orders (
  id uuid PRIMARY KEY, user_id uuid NOT NULL, price bigint NOT NULL CHECK (price > 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'rejected')), reason text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, id DESC);
CREATE TABLE IF NOT EXISTS letters (
  id uuid PRIMARY KEY, user_id uuid, email text NOT NULL, kind text NOT NULL, subject text NOT NULL, body text NOT NULL,
  order_id uuid, created_at timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX IF NOT EXISTS letters_one_per_order ON letters (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS letters_by_user ON letters (user_id, id DESC);
CREATE INDEX IF NOT EXISTS letters_by_email ON letters (lower(email), id DESC);
`;

/** The same correctness checks as streamshop's, straight in SQL over the floor's tables (the DBOS peer's too). */
export async function verifyCounts(sql: Sql): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, number>[]>`
    SELECT
      (SELECT count(*)::int FROM orders) AS orders,
      (SELECT count(*)::int FROM orders WHERE status NOT IN ('paid', 'rejected')) AS not_final,
      (SELECT count(*)::int FROM orders WHERE status = 'paid') AS paid,
      (SELECT count(*)::int FROM ledger WHERE type = 'payment') AS payments,
      (SELECT count(*)::int FROM orders o WHERE status = 'paid'
         AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.order_id = o.id AND l.type = 'payment' AND l.amount = o.price)) AS paid_without_payment,
      (SELECT count(*)::int FROM accounts a WHERE a.balance <> (
         SELECT coalesce(sum(CASE WHEN type = 'deposit' THEN amount ELSE -amount END), 0) FROM ledger l WHERE l.user_id = a.user_id)) AS unbalanced,
      (SELECT count(*)::int FROM orders o WHERE (SELECT count(*) FROM letters l WHERE l.order_id = o.id) <> 1) AS orders_without_one_letter,
      (SELECT count(*)::int FROM letters WHERE order_id IS NOT NULL) AS letters`;
  return row as Record<string, number>;
}

const STOP_TIMEOUT_MS = 10_000;

export async function startFloor(options: { port: number; dataDir: string; pool: number }) {
  const log = createLogger('warn', 'floor');
  const pg = await startEmbeddedPostgres({ dataDir: options.dataDir, port: 0, log });
  await pg.createDatabases(['floor']);
  const sql = postgres(pg.urlFor('floor'), { max: options.pool, onnotice: () => {} });
  await sql.unsafe(SCHEMA);
  const issuer = await createTokenIssuer({ keys: [await newSigningKey()] });
  const verifier = localTokenVerifier(issuer.publicKeys());

  /** The payment: the balance only if it covers the price (one statement), and its ledger line; or why not. */
  async function pay(tx: Sql | Tx, userId: string, orderId: string, price: number): Promise<string | null> {
    const [taken] = await tx<{ balance: string }[]>`
      UPDATE accounts SET balance = balance - ${price}, updated_at = now()
      WHERE user_id = ${userId} AND balance >= ${price} RETURNING balance`;
    if (taken) {
      await tx`INSERT INTO ledger (id, user_id, type, amount, balance_after, order_id)
               VALUES (${newId()}, ${userId}, 'payment', ${price}, ${taken.balance}, ${orderId})`;
      return null;
    }
    const [account] = await tx`SELECT 1 FROM accounts WHERE user_id = ${userId}`;
    return account ? 'insufficient_funds' : 'account_not_found';
  }

  /** The order's letter (paid, or rejected and why), to the address the user signed up with. */
  async function writeLetter(tx: Sql | Tx, { userId, orderId, price, reason }: { userId: string; orderId: string; price: number; reason: string | null }): Promise<void> {
    const kind = reason ? 'order_rejected' : 'order_paid';
    const { subject, body } = composeOrderLetter({ orderId, kind, price, reason }, 'Bench User');
    await tx`
      INSERT INTO letters (id, user_id, email, kind, subject, body, order_id)
      SELECT ${newId()}, id, email, ${kind}, ${subject}, ${body}, ${orderId} FROM users WHERE id = ${userId}`;
  }

  /** Everything in one transaction: the least any design can do. */
  async function placeOrder(userId: string, price: number) {
    return sql.begin(async (tx) => {
      const orderId = newId();
      const reason = await pay(tx, userId, orderId, price);
      const [order] = await tx<OrderRow[]>`
        INSERT INTO orders (id, user_id, price, status, reason) VALUES (${orderId}, ${userId}, ${price}, ${reason ? 'rejected' : 'paid'}, ${reason})
        RETURNING id, user_id, price, status, reason, created_at, updated_at`;
      await writeLetter(tx, { userId, orderId, price, reason });
      return toOrder(order as OrderRow);
    });
  }

  /**
   * The same work in the four commits streamshop makes, one after another (the pending order, the payment, the
   * outcome, the letter), with nothing else: no outbox, inbox, bus or framework. A single statement is its own
   * transaction, so only the payment needs BEGIN and COMMIT: the least four commits can cost, to tell what separate
   * services' transactions cost by themselves from what the messaging costs. (Each step in BEGIN … COMMIT of its
   * own costs far more: see docs/performance.md.)
   */
  async function placeOrderInFourCommits(userId: string, price: number) {
    const orderId = newId();
    await sql`INSERT INTO orders (id, user_id, price, status) VALUES (${orderId}, ${userId}, ${price}, 'pending')`;
    const reason = await sql.begin((tx) => pay(tx, userId, orderId, price));
    const [order] = await sql<OrderRow[]>`
      UPDATE orders SET status = ${reason ? 'rejected' : 'paid'}, reason = ${reason}, updated_at = now() WHERE id = ${orderId}
      RETURNING id, user_id, price, status, reason, created_at, updated_at`;
    await writeLetter(sql, { userId, orderId, price, reason });
    return toOrder(order as OrderRow);
  }

  /** Users with an account, a deposit and a withdrawal (the ledger then has every kind of line), and a token each. */
  async function setup(users: number, deposit: number, withdrawal: number): Promise<{ id: string; token: string }[]> {
    const created: { id: string; token: string }[] = [];
    for (let i = 0; i < users; i++) {
      const id = newId();
      created.push({ id, token: await issuer.sign({ userId: id, email: `floor-${id}@example.com`, role: 'user' }) });
      await sql.begin(async (tx) => {
        await tx`INSERT INTO users (id, email, name) VALUES (${id}, ${`floor-${id}@example.com`}, ${'Bench User'})`;
        await tx`INSERT INTO accounts (user_id, balance) VALUES (${id}, ${deposit - withdrawal})`;
        await tx`INSERT INTO ledger (id, user_id, type, amount, balance_after) VALUES (${newId()}, ${id}, 'deposit', ${deposit}, ${deposit})`;
        await tx`INSERT INTO ledger (id, user_id, type, amount, balance_after)
                 VALUES (${newId()}, ${id}, 'withdrawal', ${withdrawal}, ${deposit - withdrawal})`;
      });
    }
    return created;
  }

  const verify = () => verifyCounts(sql);

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) send(res, 500, { title: 'Internal error' });
    });
  });
  server.keepAliveTimeout = 65_000;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (req.method === 'POST' && (req.url === '/orders' || req.url === '/checked/orders' || req.url === '/four-commits/orders')) {
      const { userId, price } = (body ?? {}) as { userId?: unknown; price?: unknown };
      if (typeof userId !== 'string' || !/^[0-9a-f-]{36}$/i.test(userId) || !Number.isInteger(price) || (price as number) < 1) {
        return send(res, 400, { title: 'Invalid request' });
      }
      if (req.url === '/checked/orders') {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const caller = await verifier.verify(token).catch(() => undefined);
        if (!caller) return send(res, 401, { title: 'Unauthenticated' });
        if (caller.userId !== userId) return send(res, 403, { title: 'Forbidden' });
      }
      const order = req.url === '/four-commits/orders' ? await placeOrderInFourCommits(userId, price as number) : await placeOrder(userId, price as number);
      res.setHeader('location', `/orders/${order.id}`);
      return send(res, 201, order);
    }
    if (req.method === 'POST' && req.url === '/setup') {
      const { users, deposit, withdrawal } = body as { users: number; deposit: number; withdrawal: number };
      return send(res, 201, { users: await setup(users, deposit, withdrawal) });
    }
    if (req.method === 'GET' && req.url === '/verify') return send(res, 200, await verify());
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
    send(res, 404, { title: 'Not found' });
  }

  await new Promise<void>((listening) => server.listen(options.port, '127.0.0.1', listening));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const closed = new Promise((done) => server.close(done));
      server.closeIdleConnections();
      await closed;
      await sql.end({ timeout: 2 });
      await pg.stop(STOP_TIMEOUT_MS / 2);
    },
  };
}

/** A request's JSON body (undefined when it has none). */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** Answers with a JSON body. */
export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) {
    console.error('DATA_DIR is required (a folder for the floor PostgreSQL cluster)');
    process.exit(2);
  }
  const floor = await startFloor({ port: Number(process.env.PORT ?? 0), dataDir, pool: Number(process.env.POOL ?? 10) });
  console.log(`floor listening on ${floor.url}`);
  // A second signal, or a stop longer than this, exits at once (PostgreSQL then gets a fast shutdown on the way out).
  closeWithGrace({ delay: STOP_TIMEOUT_MS }, () => floor.stop());
}
