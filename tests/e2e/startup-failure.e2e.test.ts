import assert from 'node:assert/strict';
import { createServiceCredentials, newSigningKey } from '../../src/platform/access/index.ts';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { EmbeddedConfig, loadConfig, retentionOf, startService } from '../../src/platform/runtime/index.ts';
import { freePort } from '../../src/platform/common/index.ts';
import { startEmbeddedPostgres } from '../../src/platform/database/index.ts';
import { createLogger } from '../../src/platform/observability/index.ts';
import { createMemoryBus } from '../../src/platform/messaging/index.ts';
import { localTokenVerifier } from '../../src/platform/access/index.ts';
import { eventually } from '../support/api.ts';
import { type FailedStart, runMainUntilExit } from '../support/main-process.ts';

/** A start refused for a setting: a non-zero exit and one line that names the setting, without a stack trace. */
function assertRefusedInOneLine(start: FailedStart, setting: string): string {
  const said = `stdout:\n${start.stdout}\nstderr:\n${start.stderr}`;
  assert.notEqual(start.code, 0, said);
  const lines = start.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, not:\n${said}`);
  assert.match(lines[0] as string, new RegExp(`^${setting}\\b`), said);
  assert.doesNotMatch(`${start.stdout}${start.stderr}`, /^ {4}at /m, `no stack trace:\n${said}`);
  return lines[0] as string;
}

test('when LOG_LEVEL is not a level, then npm start stops in one line that lists the levels', async () => {
  const line = assertRefusedInOneLine(await runMainUntilExit({ LOG_LEVEL: 'loud' }), 'LOG_LEVEL');
  assert.equal(line, 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
});

test('when ADMIN_PASSWORD is too short, then npm start stops in one line that names it without showing it', async () => {
  const password = 'Tiny-pw';
  const start = await runMainUntilExit({ ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: password });
  assert.equal(assertRefusedInOneLine(start, 'ADMIN_PASSWORD'), 'ADMIN_PASSWORD: must be 8 to 128 characters long');
  assert.ok(!`${start.stdout}${start.stderr}`.includes(password), 'the password is not shown');
});

/** A port the test holds, as another program would; released when the test ends. */
async function holdPort(t: TestContext): Promise<number> {
  const port = await freePort();
  const holder: Server = await new Promise((listening, fail) => {
    const server = createServer().once('error', fail);
    server.listen(port, '127.0.0.1', () => listening(server));
  });
  t.after(() => new Promise((closed) => holder.close(closed)));
  return port;
}

async function emptyDataDir(t: TestContext): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-startup-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

test('when PORT is in use by another program, then npm start stops in one line that says what to do, and leaves no PostgreSQL running', { timeout: 120_000 }, async (t) => {
  const [port, dataDir] = [await holdPort(t), await emptyDataDir(t)];
  const line = assertRefusedInOneLine(await runMainUntilExit({ PORT: String(port), PG_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }), 'PORT');
  assert.equal(line, `PORT ${port} is in use by another program: stop it, or start with PORT=${port + 1} (0 picks a free port)`);
  await assert.rejects(access(join(dataDir, 'postgres', 'postmaster.pid')), 'PostgreSQL was stopped');
});

test('when PG_PORT is in use by another program, then npm start stops in one line that says what to do', { timeout: 120_000 }, async (t) => {
  const [pgPort, dataDir] = [await holdPort(t), await emptyDataDir(t)];
  const line = assertRefusedInOneLine(await runMainUntilExit({ PORT: '0', PG_PORT: String(pgPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }), 'PG_PORT');
  assert.equal(line, `PG_PORT ${pgPort} is in use by another program: stop it, or start with PG_PORT=${pgPort + 1} (0 picks a free port)`);
});

test('when a migration fails at start, then the start fails with its error and leaves no connection open', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-startup-'));
  const log = createLogger('silent', 'test');
  const pg = await startEmbeddedPostgres({ dataDir, port: 0, log });
  t.after(async () => {
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  await pg.createDatabases(['users']);
  const migrations = join(dataDir, 'migrations');
  await mkdir(migrations);
  await writeFile(join(migrations, '001_broken.sql'), 'SELECT * FROM no_such_table;');

  const module = {
    name: 'users' as const,
    description: 'a service whose migration fails',
    migrations: pathToFileURL(`${migrations}/`),
    start: () => ({ routes: () => {} }),
    handlers: () => [],
  };
  const options = { databaseUrl: pg.urlFor('users'), bus: createMemoryBus(), log, verifier: localTokenVerifier({ keys: [] }), retention: retentionOf(loadConfig(EmbeddedConfig, {})), messageBatching: 'on' as const,
    style: 'events' as const, paymentDeadlineMs: 30_000, internal: { credentials: await createServiceCredentials(await newSigningKey()), urlOf: () => undefined } };
  await assert.rejects(startService(module, options), /no_such_table/);

  const admin = postgres(pg.urlFor('postgres'), { max: 1, onnotice: () => {} });
  t.after(() => admin.end());
  await eventually(async () => {
    const left = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'streamshop-users%'`;
    assert.equal(left[0]?.n, 0, 'connections of the failed start are still open');
  });
});
