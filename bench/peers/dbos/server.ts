/**
 * The DBOS Transact peer: the same business as the floor (bench/floor.ts) as DBOS's docs teach it
 * (docs.dbos.dev/typescript/programming-guide; tutorials/workflow-tutorial, transaction-tutorial;
 * reference/datasource): a workflow per order, its steps DBOS transactions on a Postgres.js datasource
 * (each commits its writes and DBOS's checkpoint together: exactly once), the workflow's ID the order's
 * (docs: "workflow IDs and idempotency"), and DBOS's system tables in a database of their own
 * (DBOS_SYSTEM_DATABASE_URL in the docs) on the same embedded PostgreSQL binaries as the floor's.
 *
 * The order's steps are the four commits streamshop's services make: the pending order; the payment
 * (`UPDATE accounts … WHERE balance >= price` and its ledger line); the outcome; the letter.
 *
 * Env: PORT (0 = free), DATA_DIR (its own PostgreSQL cluster), TUNED=1 for the tuned variant (below).
 * Prints "dbos listening on http://127.0.0.1:<port>"; SIGTERM stops DBOS, then PostgreSQL.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { PostgresDataSource } from '@dbos-inc/postgres-datasource';
import closeWithGrace from 'close-with-grace';
import postgres from 'postgres';
import { newId } from '../../../src/platform/common/index.ts';
import { startEmbeddedPostgres } from '../../../src/platform/database/index.ts';
import { createLogger } from '../../../src/platform/observability/index.ts';
import { type OrderRow, toOrder as toApiOrder } from '../../../src/services/orders/repository.ts';
import { SCHEMA, verifyCounts } from '../../floor.ts';
import { composeOrderLetter, type PeerOrder, servePeer } from '../http.ts';

/**
 * Tuned for this machine (TUNED=1), durability left on. DBOS's docs name one lever for a single process, its
 * pools (system database: default 10, of which the polling limiter reserves half; the app datasource:
 * Postgres.js's default 10). On two cores, at c = 32, pools of 20 cost 20-50 % more CPU per order than 10 (more
 * PostgreSQL backends fighting over the cores) and pools of 5 gained nothing measurable, so the tuned variant
 * sets both to 10 explicitly (TUNED_POOL overrides it) and logs at warn (DBOS's logLevel; nothing per order).
 * There is nothing else to turn short of durability: each step's commit is PostgreSQL's, with its fsync.
 */
const TUNED = process.env.TUNED === '1';
const POOL = TUNED ? Number(process.env.TUNED_POOL ?? 10) : undefined;

/** The order as the floor and streamshop's orders service answer it, from the same columns. */
const toOrder = (row: OrderRow): PeerOrder => toApiOrder(row) as PeerOrder;
/** The account's transactions: a user with an account, and money in or out with its ledger line. */
function accountSteps(app: PostgresDataSource) {
  const registerUser = app.registerTransaction(
    async (userId: string, email: string) => {
      await app.client`INSERT INTO users (id, email, name) VALUES (${userId}, ${email}, ${'Bench User'})`;
      await app.client`INSERT INTO accounts (user_id, balance) VALUES (${userId}, 0)`;
    },
    { name: 'registerUser' },
  );
  /** A deposit (amount > 0) or a withdrawal (amount < 0, refused below zero) with its ledger line. */
  const move = app.registerTransaction(
    async (userId: string, amount: number) => {
      const [row] = await app.client<{ balance: string }[]>`
        UPDATE accounts SET balance = balance + ${amount}, updated_at = now() WHERE user_id = ${userId} AND balance + ${amount} >= 0
        RETURNING balance`;
      if (!row) throw new Error(`account ${userId}: not found or not enough money`);
      await app.client`INSERT INTO ledger (id, user_id, type, amount, balance_after)
        VALUES (${newId()}, ${userId}, ${amount > 0 ? 'deposit' : 'withdrawal'}, ${Math.abs(amount)}, ${row.balance})`;
    },
    { name: 'move' },
  );
  return { registerUser, move };
}

/** The order's four transactions, as streamshop's services commit them. */
function orderSteps(app: PostgresDataSource) {
  const createOrder = app.registerTransaction(
    async (orderId: string, userId: string, price: number) => {
      await app.client`INSERT INTO orders (id, user_id, price, status) VALUES (${orderId}, ${userId}, ${price}, 'pending')`;
    },
    { name: 'createOrder' },
  );
  const charge = app.registerTransaction(
    async (orderId: string, userId: string, price: number): Promise<string | null> => {
      const [taken] = await app.client<{ balance: string }[]>`
        UPDATE accounts SET balance = balance - ${price}, updated_at = now() WHERE user_id = ${userId} AND balance >= ${price} RETURNING balance`;
      if (taken) {
        await app.client`INSERT INTO ledger (id, user_id, type, amount, balance_after, order_id)
          VALUES (${newId()}, ${userId}, 'payment', ${price}, ${taken.balance}, ${orderId})`;
        return null;
      }
      const [account] = await app.client`SELECT 1 FROM accounts WHERE user_id = ${userId}`;
      return account ? 'insufficient_funds' : 'account_not_found';
    },
    { name: 'charge' },
  );
  const finish = app.registerTransaction(
    async (orderId: string, reason: string | null): Promise<PeerOrder> => {
      const [row] = await app.client<OrderRow[]>`
        UPDATE orders SET status = ${reason ? 'rejected' : 'paid'}, reason = ${reason}, updated_at = now() WHERE id = ${orderId}
        RETURNING id, user_id, price, status, reason, created_at, updated_at`;
      return toOrder(row as OrderRow);
    },
    { name: 'finish' },
  );
  const writeLetter = app.registerTransaction(
    async (order: PeerOrder) => {
      const kind = order.reason ? 'order_rejected' : 'order_paid';
      const { subject, body } = composeOrderLetter({ orderId: order.id, kind, price: order.price, reason: order.reason ?? null }, 'Bench User');
      await app.client`INSERT INTO letters (id, user_id, email, kind, subject, body, order_id)
        SELECT ${newId()}, id, email, ${kind}, ${subject}, ${body}, ${order.id} FROM users WHERE id = ${order.userId}`;
    },
    { name: 'writeLetter' },
  );
  return { createOrder, charge, finish, writeLetter };
}

function workflows(app: PostgresDataSource) {
  const { registerUser, move } = accountSteps(app);
  const { createOrder, charge, finish, writeLetter } = orderSteps(app);
  const openAccount = DBOS.registerWorkflow(
    async (userId: string, deposit: number, withdrawal: number) => {
      await registerUser(userId, `dbos-${userId}@example.com`);
      await move(userId, deposit);
      await move(userId, -withdrawal);
    },
    { name: 'openAccount' },
  );
  const placeOrder = DBOS.registerWorkflow(
    async (orderId: string, userId: string, price: number): Promise<PeerOrder> => {
      await createOrder(orderId, userId, price);
      const reason = await charge(orderId, userId, price);
      const order = await finish(orderId, reason);
      await writeLetter(order);
      return order;
    },
    { name: 'placeOrder' },
  );
  return { openAccount, placeOrder };
}

async function main(dataDir: string, port: number) {
  const log = createLogger('warn', 'dbos-peer');
  const pg = await startEmbeddedPostgres({ dataDir, port: 0, log });
  await pg.createDatabases(['app', 'dbos_sys']);
  const url = new URL(pg.urlFor('app'));
  const admin = postgres(pg.urlFor('app'), { max: 2, onnotice: () => {} });
  await admin.unsafe(SCHEMA);

  const app = new PostgresDataSource('app', {
    host: url.hostname,
    port: Number(url.port),
    database: 'app',
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    onnotice: () => {},
    ...(POOL ? { max: POOL } : {}),
  });
  const { openAccount, placeOrder } = workflows(app);
  DBOS.setConfig({
    name: 'streamshop-peer',
    systemDatabaseUrl: pg.urlFor('dbos_sys'),
    ...(POOL ? { systemDatabasePoolSize: POOL, logLevel: 'warn' } : {}),
  });
  await DBOS.launch();

  const server = await servePeer(
    {
      async setup(users, deposit, withdrawal) {
        const created: { id: string; token: string }[] = [];
        for (let i = 0; i < users; i++) {
          const id = newId();
          const handle = await DBOS.startWorkflow(openAccount, { workflowID: `open-${id}` })(id, deposit, withdrawal);
          await handle.getResult();
          created.push({ id, token: 'unchecked' });
        }
        return created;
      },
      async placeOrder(userId, price) {
        const orderId = newId();
        const handle = await DBOS.startWorkflow(placeOrder, { workflowID: orderId })(orderId, userId, price);
        return handle.getResult();
      },
      verify: () => verifyCounts(admin).then(async (counts) => ({ ...counts, negative_balances: await negativeBalances(admin) })),
    },
    port,
    (error) => log.error({ err: error }, 'request failed'),
  );
  console.log(`dbos listening on ${server.url}`);
  closeWithGrace({ delay: 10_000 }, async () => {
    await server.stop();
    await DBOS.shutdown();
    await admin.end({ timeout: 2 });
    await pg.stop(5_000);
  });
}

async function negativeBalances(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM accounts WHERE balance < 0`;
  return row?.n ?? 0;
}

const dataDir = process.env.DATA_DIR;
if (!dataDir) {
  console.error('DATA_DIR is required (a folder for the peer PostgreSQL cluster)');
  process.exit(2);
}
await main(dataDir, Number(process.env.PORT ?? 0));
