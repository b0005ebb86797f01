import type { Logger } from 'pino';
import { createConsoleServer } from './console/server.ts';
import { localTokenVerifier } from './platform/access/index.ts';
import { createGate, type Gate } from './platform/common/index.ts';
import { startEmbeddedPostgres } from './platform/database/index.ts';
import { startGateway } from './platform/http/index.ts';
import type { Bus } from './platform/messaging/index.ts';
import { calledServices, durationMs, type EmbeddedConfig, usesBroker, retentionOf, type RunningService, type ServiceName, serviceNames, startService, stopWithin } from './platform/runtime/index.ts';
import { services } from './services/index.ts';
import { drainOutboxes } from './drain-outboxes.ts';
import { identityFrom, messagingFor, serviceCredentialsFrom } from './system-parts.ts';

type Gateway = Awaited<ReturnType<typeof startGateway>>;

export interface EmbeddedSystem {
  url: string;
  /** The broker; undefined in the http style. */
  bus: Bus | undefined;
  databaseUrl(service: ServiceName): string;
  /** Where the internal endpoints answer (loopback), in the styles that call them; undefined in the others. */
  internalUrl: string | undefined;
  /**
   * Freezes one service as SIGSTOP would a process of its own: its requests (public and internal), its deliveries
   * and its publishing wait until `resume`. For tests and the styles' comparison; nothing reaches it over HTTP.
   */
  pause(service: ServiceName): void;
  resume(service: ServiceName): void;
  stop(): Promise<void>;
}

/**
 * The embedded default: PostgreSQL from npm and the four services behind one port, cooperating in the style of
 * INTERACTION_STYLE — through an in-process bus with the broker's guarantees (NATS JetStream with NATS_URL), and in the
 * http and hybrid styles by real HTTP calls to their internal endpoints on a loopback port of their own.
 * PostgreSQL is supervised: if it dies, it is restarted (services report not ready meanwhile, and their pools and
 * listeners reconnect by themselves); if it cannot be, `onFatal` says why, and the caller should stop and exit.
 */
export async function startEmbeddedSystem(config: EmbeddedConfig, log: Logger, options: { onFatal?: (error: Error) => void } = {}): Promise<EmbeddedSystem> {
  const identity = await identityFrom(config);
  const verifier = localTokenVerifier(identity.issuer.publicKeys());
  const credentials = await serviceCredentialsFrom(config);
  const messaging = await messagingFor(config, log);
  const pg = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.PG_PORT, log, onGiveUp: options.onFatal ?? (() => {}) }).catch(async (error: unknown) => {
    await messaging.close().catch(() => {});
    throw error;
  });
  const running: RunningService[] = [];
  const gates = Object.fromEntries(serviceNames.map((name) => [name, createGate()])) as Record<ServiceName, Gate>;
  const gateways: { public?: Gateway; internal?: Gateway } = {};
  let operatorsConsole: Awaited<ReturnType<typeof createConsoleServer>> | undefined;

  const timeoutMs = durationMs(config.SHUTDOWN_TIMEOUT);
  const stop = () =>
    stopWithin(timeoutMs, log, {
      drain: {
        // The console's live streams end first: they would keep the gateway's connections open.
        'HTTP requests': async () => {
          await operatorsConsole?.close();
          await Promise.all([gateways.public?.close(timeoutMs), gateways.internal?.close(timeoutMs)]);
        },
        // Ends the retries of failed deliveries at once: their events stay in the outboxes for the next start.
        'event deliveries': () => messaging.close(),
        ...Object.assign({}, ...running.map((service) => service.drain())),
      },
      close: ({ cut, until }) => ({
        'database pools and PostgreSQL': async () => {
          if (cut) gateways.public?.server.closeAllConnections();
          await Promise.all(running.map((service) => service.close(cut ? 0 : 1)));
          // Its last resort, SIGKILL, comes a moment before the deadline: the exit it causes takes that moment.
          await pg.stop(until - Date.now() - 200);
        },
      }),
    });

  try {
    await pg.createDatabases(serviceNames);
    const style = config.INTERACTION_STYLE;
    if (!usesBroker(style)) await drainOutboxes((name) => pg.urlFor(name), log);
    // The internal endpoints all answer on one loopback gateway, as the public ones on theirs; callers find it here.
    const urlOf = () => gateways.internal?.url;
    const settings = {
      retention: retentionOf(config),
      messageBatching: config.MESSAGE_BATCHING,
      style,
      paymentDeadlineMs: durationMs(config.PAYMENT_DEADLINE),
      internal: { credentials, urlOf },
      tracesEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    };
    for (const name of serviceNames) {
      const own = name === 'users' ? { identity } : {};
      const gate = gates[name];
      running.push(await startService(services[name], { databaseUrl: pg.urlFor(name), bus: messaging.bus, log, verifier, isUp: pg.isUp, gate, ...settings, ...own }));
    }
    // Relays start once every consumer is subscribed, so no event is published to an empty room.
    if (config.OUTBOX_RELAY === 'on') for (const service of running) await service.startRelay();

    if (calledServices(style).length > 0) {
      const internalApps = running.filter((s) => s.internalApp).map((s) => [s.name, s.internalApp?.routing.bind(s.internalApp)]);
      gateways.internal = await startGateway(Object.fromEntries(internalApps), { port: config.INTERNAL_PORT, host: '127.0.0.1', setting: 'INTERNAL_PORT' });
    }
    // The operators' console watches the same bus; its page calls the services through this gateway.
    operatorsConsole = await createConsoleServer({ feed: messaging.feed, verifier, log, tracing: Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT) });
    const upstreams = Object.fromEntries(running.map((s) => [s.name, s.app.routing.bind(s.app)]));
    gateways.public = await startGateway(upstreams, { port: config.PORT, host: config.HOST, console: operatorsConsole.app.routing.bind(operatorsConsole.app) });
    for (const service of running) await service.whenSystemUp();
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return {
    url: gateways.public.url,
    bus: messaging.bus,
    databaseUrl: (service) => pg.urlFor(service),
    internalUrl: gateways.internal?.url,
    pause: (service) => gates[service].close(),
    resume: (service) => gates[service].open(),
    stop,
  };
}
