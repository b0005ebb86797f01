import { createRequire, registerHooks } from 'node:module';
import type Postgres from 'postgres';

/**
 * postgres.js 3.4.9 with its dropped-connection bugs fixed, as its source loads (upstream: porsager/postgres
 * #1066, #1154, #1208; fixes proposed in #1168, #1176, #1209, none released yet). Without them a database
 * restart ends or cripples a service process:
 * - a transaction's ROLLBACK written to a closed connection runs a deferred write on `socket === null`,
 *   which throws outside any promise and ends the process;
 * - a connection closed with a write pending keeps the stale timer and bytes, so it never completes a
 *   handshake again (every query on it times out, for good), and keeps the dead server's last error,
 *   which then fails the first query after the reconnect;
 * - a connection dropped while fetching the array types on connect rejects a promise nobody awaits,
 *   which ends the process (unhandled rejection).
 * Each fix only makes the driver fail the affected queries (CONNECTION_CLOSED) instead. Remove this module
 * once a postgres release carries them; if the source no longer matches, the driver loads as it is, with a warning.
 */
const FIXES: [string, string][] = [
  [
    'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    "function nextWrite(fn) {\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)",
  ],
  // terminate()
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  // closed()
  [
    '    clearImmediate(nextWriteTimer)\n    socket.removeListener',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = errorResponse = null\n    socket.removeListener',
  ],
  ['        return fetchArrayTypes()\n', '        return fetchArrayTypes().catch(() => { /* dropped meanwhile: its queries failed with it */ })\n'],
];

function loadPatchedPostgres(): typeof Postgres {
  let applied = 0;
  const hooks = registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (!url.endsWith('/postgres/cjs/src/connection.js') || result.source === undefined) return result;
      let source = String(result.source);
      for (const [from, to] of FIXES) {
        if (!source.includes(from)) continue;
        source = source.replace(from, to);
        applied++;
      }
      return { ...result, source };
    },
  });
  try {
    return createRequire(import.meta.url)('postgres') as typeof Postgres;
  } finally {
    hooks.deregister();
    if (applied !== FIXES.length) {
      process.emitWarning(`postgres-driver: ${applied} of ${FIXES.length} fixes applied; the postgres package has changed, see src/platform/postgres-driver.ts`);
    }
  }
}

export const postgres: typeof Postgres = loadPatchedPostgres();
