import type { Logger } from 'pino';
import type { ServiceCredentials, TokenIssuer, TokenVerifier } from '../access/index.ts';
import type { Gate } from '../common/index.ts';
import { type MessageBatching, type SpeedLayer, speedLayer } from '../batching/index.ts';
import { connectDatabase, type Database, migrate, openDatabase, type RetentionRule, type Sql, startRetention } from '../database/index.ts';
import { type App, createInternalClient, type InternalClient } from '../http/index.ts';
import {
  type Bus,
  createConsumer,
  type EventHandler,
  type MessagingRetention,
  messagingRules,
  type OutboxRelay,
  outboxWrite,
  relayWaker,
  startOutboxRelay,
} from '../messaging/index.ts';
import { createMetrics, createTracing, type ServiceMetrics } from '../observability/index.ts';
import type { ServiceName } from './config.ts';
import { internalApp, registerMessagingGauges, serviceApp } from './service-apps.ts';
import type { StopTasks } from './shutdown.ts';
import type { InteractionStyle } from './styles.ts';

/** What users needs to sign tokens and to create the operator's account; the other services only check tokens. */
export interface IdentitySettings {
  issuer: TokenIssuer;
  operator?: { email: string; password: string };
}

export interface ServiceDeps {
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  /** How writes many requests make at once are committed (grouped with MESSAGE_BATCHING=on). */
  speed: SpeedLayer;
  /** How the services cooperate: the service chooses its adapters by it. */
  style: InteractionStyle;
  /** Calls to the internal endpoints of the services this one calls in its style (none in events and saga). */
  calls: InternalClient;
  /** saga: how long orders waits for a charge, in ms. */
  paymentDeadlineMs: number;
  /** Given to users only. */
  identity?: IdentitySettings;
}

/** What a service's start gives the runtime: its routes, its background work, and how to close its long-lived parts. */
export interface ServiceRuntime {
  /** The public routes, under the service's prefix on the public listener. */
  routes(app: App): Promise<void> | void;
  /** Internal endpoints, served on the internal listener in the styles whose services call this one. */
  internalRoutes?(app: App): Promise<void> | void;
  /** Work the service does by itself (a timer, a sweep), stopped with the event handling. */
  background?: { stop(): Promise<void> };
  /** Runs once every service of the system listens (the embedded default), or this one does (a service process). */
  whenSystemUp?(): Promise<void>;
  close?(): Promise<void>;
}

/** Everything a service is, as data: the runtime below starts every service the same way. */
export interface ServiceModule {
  name: ServiceName;
  description: string;
  migrations: URL;
  /** Runs once the database is migrated: creates the long-lived parts (listeners, pipelines) and the routes that use them. */
  start(deps: ServiceDeps): Promise<ServiceRuntime> | ServiceRuntime;
  /** The events (and commands) the service handles in a style; none in the http style, which has no broker. */
  handlers(style: InteractionStyle): EventHandler[];
  /** Its own tables that must not grow forever (the messaging tables are the platform's). */
  retention?: RetentionRule[];
}

export interface RunningService {
  name: ServiceName;
  /** What the service does once the system is up (see ServiceRuntime.whenSystemUp). */
  whenSystemUp(): Promise<void>;
  app: App;
  /** The internal endpoints' app, when the style has callers of this service: the caller listens it where it must. */
  internalApp: App | undefined;
  sql: Sql;
  startRelay(): Promise<void>;
  /**
   * The graceful stop, as tasks to run together under a deadline (see shutdown.ts): no more requests (those in
   * flight finish; waiting `Prefer: wait` requests answer at once), no more events (those being handled finish),
   * the outbox relay and the retention worker stopped. The pool stays open for them: close it after.
   */
  drain(): StopTasks;
  /** Ends the pool (gracefully after drain(), or at once with `timeoutSeconds` 0 to cut what still runs) and sends the last spans. */
  close(timeoutSeconds: number): Promise<void>;
}

export interface StartServiceOptions {
  databaseUrl: string;
  /** The broker; none in the http style. */
  bus: Bus | undefined;
  log: Logger;
  verifier: TokenVerifier;
  retention: MessagingRetention;
  messageBatching: MessageBatching;
  style: InteractionStyle;
  /** The service key's credentials and where the other services' internal listeners are (http and hybrid styles). */
  internal: { credentials: ServiceCredentials; urlOf(service: string): string | undefined };
  paymentDeadlineMs: number;
  /** OTLP/HTTP endpoint of a trace collector; traces are off without one. */
  tracesEndpoint?: string | undefined;
  identity?: IdentitySettings;
  poolSize?: number;
  /** False while the database is known to be down (the embedded PostgreSQL's supervisor knows it at once). */
  isUp?: () => boolean;
  /** The embedded default's stand-in for SIGSTOP: while closed, the service's requests, deliveries and publishing wait. */
  gate?: Gate;
}

/** The messaging tables every database has; recorded as `platform/<file>` since the first release. */
const platformMigrations = { name: 'platform', url: new URL('../messaging/migrations/', import.meta.url) };

/** A service's migrations: the platform's messaging tables, then its own. */
export const migrationsOf = (module: ServiceModule) => ({ database: module.name, folders: [platformMigrations, { name: module.name, url: module.migrations }] });

/**
 * Migrates the service's database, builds its HTTP app and subscribes its handlers.
 * The outbox relay starts separately, once every subscriber of the process is in place.
 */
export async function startService(module: ServiceModule, options: StartServiceOptions): Promise<RunningService> {
  const log = options.log.child({ service: module.name });
  const tracing = createTracing(module.name, options.tracesEndpoint);
  const sql = connectDatabase(options.databaseUrl, `streamshop-${module.name}`, options.poolSize);
  const speed = speedLayer(options.messageBatching);
  let relay: OutboxRelay | undefined;
  // A commit that appended to the outbox wakes the relay: ours, or the leading one elsewhere.
  const db = openDatabase(sql, { onCommit: { [outboxWrite.name]: relayWaker(sql, () => relay) }, sendWrites: speed.sendWrites });
  const metrics = createMetrics(module.name);
  const calls = createInternalClient({ caller: module.name, urlOf: options.internal.urlOf, credentials: options.internal.credentials, metrics });
  const parts: StartedParts = { unsubscribe: async () => {} };
  try {
    await migrate(sql, migrationsOf(module), log);
    const rules = [...messagingRules(options.retention), ...(module.retention ?? [])];
    registerMessagingGauges(sql, metrics, rules);
    const deps = { db, log, metrics, speed, style: options.style, calls, paymentDeadlineMs: options.paymentDeadlineMs };
    parts.runtime = await module.start({ ...deps, ...(options.identity ? { identity: options.identity } : {}) });
    const appParts = { db, log, metrics, tracing, runtime: parts.runtime, options };
    parts.app = await serviceApp(module, appParts);
    parts.internalApp = await internalApp(module, appParts);
    const handlers = module.handlers(options.style);
    if (options.bus && handlers.length) {
      const consumer = createConsumer({ service: module.name, db, handlers, log, metrics, tracing, batching: speed.consumer });
      const { gate } = options;
      parts.unsubscribe = await options.bus.subscribe(gate ? { ...consumer, handle: async (delivery) => gate.pass().then(() => consumer.handle(delivery)) } : consumer);
    }
    parts.retention = startRetention(sql, rules, log, metrics);
  } catch (error) {
    // Nothing started may outlive a failed start: the pool (and its LISTEN connection) would keep the process alive.
    await parts.unsubscribe().catch(() => {});
    await parts.runtime?.background?.stop().catch(() => {});
    await Promise.all([parts.app?.close(), parts.internalApp?.close(), calls.close()].map((closing) => closing?.catch(() => {})));
    await sql.end({ timeout: 0 }).catch(() => {});
    throw error;
  }
  const { app, internalApp: internal, runtime, unsubscribe, retention } = parts as Required<StartedParts>;

  return {
    name: module.name,
    whenSystemUp: async () => runtime.whenSystemUp?.(),
    app,
    internalApp: internal,
    sql,
    async startRelay() {
      if (relay || !options.bus) return;
      // The relay's own connection holds its lock and does its reads and marks, outside the request pool.
      const relayConnection = connectDatabase(options.databaseUrl, `streamshop-${module.name}-relay`, 1);
      relay = await startOutboxRelay({ sql, relayConnection, bus: options.bus, log, metrics, tracing, gate: options.gate }).catch(async (error: unknown) => {
        await relayConnection.end({ timeout: 0 }).catch(() => {});
        throw error;
      });
    },
    drain() {
      const requests = Promise.all([app.close(), internal?.close()]);
      const events = Promise.all([unsubscribe(), runtime.background?.stop()]);
      return {
        [`${module.name} HTTP requests`]: () => requests,
        [`${module.name} event handling`]: () => events,
        // Last, so that it still publishes what the requests and events in flight commit.
        [`${module.name} outbox relay`]: async () => {
          await Promise.allSettled([requests, events]);
          await relay?.stop();
        },
        [`${module.name} retention`]: () => retention.stop(),
      };
    },
    async close(timeoutSeconds) {
      await calls.close().catch(() => {});
      await sql.end({ timeout: timeoutSeconds });
      await tracing.shutdown().catch(() => {});
    },
  };
}

/** What a start has made so far: what a failed start must undo. */
interface StartedParts {
  runtime?: ServiceRuntime;
  app?: App;
  internalApp?: App | undefined;
  unsubscribe: () => Promise<void>;
  retention?: { stop(): Promise<void> };
}
