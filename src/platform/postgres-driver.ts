import { createRequire, registerHooks } from 'node:module';
import type Postgres from 'postgres';

/**
 * postgres.js 3.4.9 with its dropped-connection bug fixed (porsager/postgres#1154, #1208; fixes proposed in
 * #1168, #1176, #1209, not released yet). When the server goes away (a restart, a failover), a transaction's
 * ROLLBACK is written to the closed connection: a deferred write then runs with `socket === null` and throws
 * outside any promise, which ends the process; and a connection closed with a write pending keeps a stale
 * timer and buffer, so it never completes a handshake again (every query on it times out, for good).
 *
 * The fix, applied to the driver's source as it loads: the deferred write on a closed connection fails the
 * queries waiting on it (CONNECTION_CLOSED) instead of throwing, and closing a connection drops its pending write.
 * Remove this module once a postgres release carries the fix; if the source no longer matches, the driver is used as is.
 */
function loadPatchedPostgres(): typeof Postgres {
  let patched = 0;
  const hooks = registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (!/\/postgres\/cjs\/src\/connection\.js$/.test(url) || result.source === undefined) return result;
      let source = String(result.source);
      for (const [from, to] of FIXES) {
        if (source.includes(from)) {
          source = source.replace(from, to);
          patched++;
        }
      }
      return { ...result, source };
    },
  });
  try {
    return createRequire(import.meta.url)('postgres') as typeof Postgres;
  } finally {
    hooks.deregister();
    if (patched !== FIXES.length) {
      process.emitWarning(`postgres-driver: applied ${patched} of ${FIXES.length} fixes; the postgres package has changed`);
    }
  }
}

const FIXES: [string, string][] = [
  [
    'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    "function nextWrite(fn) {\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)",
  ],
  // terminate() and closed() cancel the deferred write without forgetting it: forget it too.
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
];

export const postgres: typeof Postgres = loadPatchedPostgres();
