import type { Sql } from '../../src/platform/database/index.ts';

export interface Fault {
  /** Removes the fault; safe to call again. */
  lift(): Promise<void>;
}

/**
 * A real failure inside a service's own transaction: every INSERT into `table` for `userId` raises `message` with
 * SQLSTATE `sqlstate` (a trigger in the service's database), until lifted.
 */
export async function failInserts(database: Sql, table: string, userId: string, message: string, sqlstate = 'P0001'): Promise<Fault> {
  const name = `fault_${crypto.randomUUID().replaceAll('-', '')}`;
  await database.unsafe(`
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.user_id = '${userId}' THEN RAISE EXCEPTION '${message}' USING ERRCODE = '${sqlstate}'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`);
  return {
    async lift() {
      await database.unsafe(`DROP TRIGGER IF EXISTS ${name} ON ${table}; DROP FUNCTION IF EXISTS ${name}();`);
    },
  };
}

/**
 * Holds the account's row lock in billing's database until `release` is awaited: billing cannot take money from the
 * account meanwhile, so an order's payment stays in flight exactly as long as the test wants.
 */
export async function holdAccountLock(billing: Sql, userId: string): Promise<{ release(): Promise<void> }> {
  const locked = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  const holding = billing.begin(async (tx) => {
    await tx`SELECT 1 FROM accounts WHERE user_id = ${userId} FOR UPDATE`;
    locked.resolve();
    await released.promise;
  });
  await locked.promise;
  return {
    async release() {
      released.resolve();
      await holding;
    },
  };
}
