import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import postgres from 'postgres';
import type { Bus } from '../../src/platform/messaging/index.ts';
import { EmbeddedConfig, loadConfig, type ServiceName } from '../../src/platform/runtime/index.ts';
import type { Sql } from '../../src/platform/database/index.ts';
import { createLogger } from '../../src/platform/observability/index.ts';
import { startEmbeddedSystem } from '../../src/system.ts';
import { TEST_ADMIN } from './api.ts';

/** The system under test, whatever its topology: an HTTP entry point, the bus, and each service's database. */
export interface TestSystem {
  url: string;
  bus: Bus;
  /** Where each replica of a service answers directly (one in the embedded default), e.g. to read all their metrics. */
  serviceUrls(service: ServiceName): string[];
  /** A direct connection to one service's database, for injecting faults and reading the ledger's truth. */
  database(service: ServiceName): Sql;
  /** The URL of one service's database, for a test that needs clients of its own. */
  databaseUrl(service: ServiceName): string;
  /** Where the internal endpoints answer, in the http and hybrid styles (an error in the others). */
  internalUrl(): string;
  /** Freezes one service, as SIGSTOP freezes a process (the stack does exactly that), until `resume`. */
  pause(service: ServiceName): Promise<void>;
  resume(service: ServiceName): Promise<void>;
  /** Stops the system; the data stays when the caller chose the dataDir (for a restart), else it is removed. */
  stop(): Promise<void>;
  dataDir: string;
  /** The private keys users signs tokens with (to forge tokens the way an attacker who had them could). */
  signingKeysFile: string;
}

export interface TestSystemOptions {
  dataDir?: string;
  relay?: 'on' | 'paused';
  /** Every log line of the system (level trace), to this file instead of nowhere. */
  logFile?: string;
  /** Settings of EmbeddedConfig besides the ones tests always set (RETENTION_INBOX, say). */
  env?: Record<string, string>;
}

/** The http style has no broker: a test that publishes there is wrong, and says so. */
export const noBus: Bus = {
  publish: async () => Promise.reject(new Error('the http style has no bus')),
  subscribe: async () => Promise.reject(new Error('the http style has no bus')),
  isReady: () => false,
  close: async () => {},
};

/** Starts the embedded default on free ports with its own data folder. */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'streamshop-test-')));
  const level = options.logFile ? 'trace' : (process.env.TEST_LOG_LEVEL ?? 'silent');
  const config = loadConfig(EmbeddedConfig, {
    PORT: '0',
    PG_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: level,
    OUTBOX_RELAY: options.relay ?? 'on',
    // CI runs parts of the suite once more with MESSAGE_BATCHING=off (the plain path alone) and in each style.
    ...(process.env.MESSAGE_BATCHING ? { MESSAGE_BATCHING: process.env.MESSAGE_BATCHING } : {}),
    ...(process.env.INTERACTION_STYLE ? { INTERACTION_STYLE: process.env.INTERACTION_STYLE } : {}),
    PAYMENT_DEADLINE: process.env.PAYMENT_DEADLINE ?? '30s',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    ...options.env,
  });
  const destination = options.logFile ? pino.destination({ dest: options.logFile, sync: true }) : undefined;
  const system = await startEmbeddedSystem(config, createLogger(level, 'test', destination));
  const connections = new Map<ServiceName, Sql>();
  return {
    url: system.url,
    bus: system.bus ?? noBus,
    dataDir,
    signingKeysFile: join(dataDir, 'auth', 'signing-keys.json'),
    serviceUrls: () => [system.url],
    database(service) {
      const sql = connections.get(service) ?? postgres(system.databaseUrl(service), { max: 2, onnotice: () => {} });
      connections.set(service, sql);
      return sql;
    },
    databaseUrl: (service) => system.databaseUrl(service),
    internalUrl() {
      if (!system.internalUrl) throw new Error('this style has no internal endpoints');
      return system.internalUrl;
    },
    pause: async (service) => system.pause(service),
    resume: async (service) => system.resume(service),
    async stop() {
      for (const sql of connections.values()) await sql.end();
      await system.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
