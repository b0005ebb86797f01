import assert from 'node:assert/strict';
import { createServiceCredentials, newSigningKey } from '../../src/platform/access/index.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { EmbeddedConfig, loadConfig, retentionOf, startService } from '../../src/platform/runtime/index.ts';
import { startEmbeddedPostgres } from '../../src/platform/database/index.ts';
import { createLogger } from '../../src/platform/observability/index.ts';
import { createMemoryBus } from '../../src/platform/messaging/index.ts';
import { localTokenVerifier } from '../../src/platform/access/index.ts';
import { eventually } from '../support/api.ts';

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
