/**
 * A stack that cannot start must fail, say which replica and where its log is, and leave nothing running: a replica
 * left behind keeps the process that started it (a test file, `npm run stack`) alive for ever. A CI run waited on
 * such a test file until its watchdog stopped it at 30 minutes: its stack had given two replicas the same port.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StackError, startStack } from '../../scripts/stack.ts';
import { childrenOf } from '../../src/platform/database/index.ts';
import { createLogger } from '../../src/platform/observability/index.ts';

test(
  'given services that cannot start, when the stack starts, then it fails naming a replica and its log, and every process it started is stopped',
  { skip: existsSync('/proc/self/stat') ? false : 'the processes are counted from /proc', timeout: 120_000 },
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-stack-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const before = new Set(await childrenOf(process.pid));
    // Every service refuses a DATABASE_URL that is not PostgreSQL's; the console, which has no database, starts.
    // The http style needs no NATS, so the test runs wherever PostgreSQL from npm does.
    const starting = startStack({ dataDir, port: 0, pgPort: 0, style: 'http', env: { DATABASE_URL: 'mysql://db/streamshop' }, log: createLogger('silent', 'stack-test') });

    await assert.rejects(starting, (error: Error) => error instanceof StackError && /^\w+-\d exited while starting; .*\.log ends with:/.test(error.message));
    const left = (await childrenOf(process.pid)).filter((pid) => !before.has(pid));
    assert.deepEqual(left, [], 'no replica, PostgreSQL or NATS of the stack is still running');
  },
);
