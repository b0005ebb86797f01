import { join } from 'node:path';
import type { Logger } from 'pino';
import { createConsoleServer } from './console/server.ts';
import { type Bus, type EventFeed, createMemoryBus } from './platform/messaging/index.ts';
import { durationMs, type EmbeddedConfig, operatorAccount, retentionOf, type ServiceName, serviceNames, type IdentitySettings, type RunningService, startService, stopWithin } from './platform/runtime/index.ts';
import { startEmbeddedPostgres } from './platform/database/index.ts';
import { startGateway } from './platform/http/index.ts';
import { createTokenIssuer, localTokenVerifier, signingKeysIn } from './platform/access/index.ts';
import { services } from './services/index.ts';

export interface EmbeddedSystem {
  url: string;
  bus: Bus;
  databaseUrl(service: ServiceName): string;
  stop(): Promise<void>;
}

/**
 * The embedded default: PostgreSQL from npm, the four services and an in-process bus, behind one port. With NATS_URL
 * the bus is NATS JetStream instead: the same four services in one process on the real broker (a small install).
 * PostgreSQL is supervised: if it dies, it is restarted (services report not ready meanwhile, and their pools and
 * listeners reconnect by themselves); if it cannot be, `onFatal` says why, and the caller should stop and exit.
 */
export async function startEmbeddedSystem(
  config: EmbeddedConfig,
  log: Logger,
  options: { onFatal?: (error: Error) => void } = {},
): Promise<EmbeddedSystem> {
  const identity = await identityFrom(config);
  const verifier = localTokenVerifier(identity.issuer.publicKeys());
  const onGiveUp = options.onFatal ?? (() => {});
  const messaging = await messagingFor(config, log);
  const { bus } = messaging;
  const pg = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.PG_PORT, log, onGiveUp }).catch(async (error: unknown) => {
    await messaging.close().catch(() => {});
    throw error;
  });
  const running: RunningService[] = [];
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  let operatorsConsole: Awaited<ReturnType<typeof createConsoleServer>> | undefined;

  const timeoutMs = durationMs(config.SHUTDOWN_TIMEOUT);
  const stop = () =>
    stopWithin(timeoutMs, log, {
      drain: {
        // The console's live streams end first: they would keep the gateway's connections open.
        ...(gateway
          ? {
              'HTTP requests': async () => {
                await operatorsConsole?.close();
                await gateway?.close(timeoutMs);
              },
            }
          : {}),
        // Ends the retries of failed deliveries at once: their events stay in the outboxes for the next start.
        'event deliveries': () => messaging.close(),
        ...Object.assign({}, ...running.map((service) => service.drain())),
      },
      close: ({ cut, until }) => ({
        'database pools and PostgreSQL': async () => {
          if (cut) gateway?.server.closeAllConnections();
          await Promise.all(running.map((service) => service.close(cut ? 0 : 1)));
          // Its last resort, SIGKILL, comes a moment before the deadline: the exit it causes takes that moment.
          await pg.stop(until - Date.now() - 200);
        },
      }),
    });

  try {
    await pg.createDatabases(serviceNames);
    for (const name of serviceNames) {
      const own = name === 'users' ? { identity } : {};
      const settings = { retention: retentionOf(config), messageBatching: config.MESSAGE_BATCHING, tracesEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, ...own };
      running.push(await startService(services[name], { databaseUrl: pg.urlFor(name), bus, log, verifier, isUp: pg.isUp, ...settings }));
    }
    // Relays start once every consumer is subscribed, so no event is published to an empty room.
    if (config.OUTBOX_RELAY === 'on') for (const service of running) await service.startRelay();

    // The operators' console watches the same bus; its page calls the services through this gateway.
    operatorsConsole = await createConsoleServer({ feed: messaging.feed, verifier, log });
    const upstreams = Object.fromEntries(running.map((s) => [s.name, s.app.routing.bind(s.app)]));
    gateway = await startGateway(upstreams as Record<ServiceName, never>, {
      port: config.PORT,
      host: config.HOST,
      console: operatorsConsole.app.routing.bind(operatorsConsole.app),
    });
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return {
    url: gateway.url,
    bus,
    databaseUrl: (service) => pg.urlFor(service),
    stop,
  };
}

/** The in-process bus (which is also the console's feed), or NATS JetStream and a live view of it when NATS_URL is set. */
async function messagingFor(config: EmbeddedConfig, log: Logger): Promise<{ bus: Bus; feed: EventFeed; close(): Promise<void> }> {
  if (!config.NATS_URL) {
    const bus = createMemoryBus();
    return { bus, feed: bus, close: () => bus.close() };
  }
  // Loaded only here: the NATS client is not part of the default's memory.
  const [{ connectNatsBus, streamsOf }, { connectNatsFeed }] = await Promise.all([import('./platform/messaging/nats/index.ts'), import('./platform/messaging/nats/index.ts')]);
  const servers = config.NATS_URL;
  const bus = await connectNatsBus({ servers, name: 'streamshop', log, streams: streamsOf(serviceNames) });
  const feed = await connectNatsFeed({ servers, name: 'streamshop-console', log }).catch(async (error: unknown) => {
    await bus.close().catch(() => {});
    throw error;
  });
  return {
    bus,
    feed,
    async close() {
      await bus.close();
      await feed.close();
    },
  };
}

/** The signing keys live in the data folder (made on first start); the operator comes from ADMIN_EMAIL and ADMIN_PASSWORD. */
async function identityFrom(config: EmbeddedConfig): Promise<IdentitySettings> {
  const issuer = await createTokenIssuer(await signingKeysIn(join(config.DATA_DIR, 'auth', 'signing-keys.json')));
  const operator = operatorAccount(config);
  return { issuer, ...(operator ? { operator } : {}) };
}
