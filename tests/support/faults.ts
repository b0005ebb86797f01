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
