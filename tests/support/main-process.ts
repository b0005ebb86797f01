import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Child, startChild } from '../../bench/processes.ts';
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import type { Sql } from '../../src/platform/database/index.ts';

const MAIN = join(import.meta.dirname, '../../src/main.ts');

export interface MainProcessOptions {
  dataDir: string;
  /** Fixed ports, so that a second start answers where the first did (clients retry against the same address). */
  port: number;
  pgPort: number;
  env?: Record<string, string>;
}

/** `npm start` as a user runs it (`node src/main.ts`: the embedded default) in a child process, once it serves. */
export function startMainProcess(options: MainProcessOptions): Promise<Child> {
  return startChild({
    name: 'streamshop',
    args: [MAIN],
    env: {
      DATA_DIR: options.dataDir,
      PORT: String(options.port),
      PG_PORT: String(options.pgPort),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    urlPattern: /API\s+(http:\/\/[\d.]+:\d+)\/users/,
  });
}

/** What a start that fails left behind: its exit code and what it printed, stderr apart. */
export interface FailedStart {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node src/main.ts` with these settings (and no others of the test's environment), expected to exit by itself. */
export function runMainUntilExit(env: Record<string, string>, timeoutMs = 60_000): Promise<FailedStart> {
  const inherited = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const child = spawn(process.execPath, [MAIN], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, ...out });
    }),
  );
}

/** The pid of the embedded PostgreSQL's postmaster that runs in the data folder now. */
export async function postmasterPid(dataDir: string): Promise<number> {
  const pid = Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (!pid) throw new Error(`no postmaster.pid in ${dataDir}/postgres`);
  return pid;
}

/** Direct connections to the services' databases of an embedded PostgreSQL on `pgPort`, to read the ledger's truth. */
export function databasesAt(pgPort: number): { database(service: ServiceName): Sql; close(): Promise<void> } {
  const connections = new Map<ServiceName, Sql>();
  return {
    database(service) {
      const sql = connections.get(service) ?? postgres(`postgres://postgres:streamshop@127.0.0.1:${pgPort}/${service}`, { max: 2, onnotice: () => {} });
      connections.set(service, sql);
      return sql;
    },
    async close() {
      for (const sql of connections.values()) await sql.end({ timeout: 1 });
    },
  };
}
