import type { Logger } from 'pino';
import type { Bus } from './platform/bus.ts';
import { join } from 'node:path';
import { type EmbeddedConfig, operatorAccount, retentionOf, type ServiceName, serviceNames } from './platform/config.ts';
import { startEmbeddedPostgres } from './platform/embedded-postgres.ts';
import { createConsoleServer } from './console/server.ts';
import { startGateway } from './platform/gateway.ts';
import { createMemoryBus } from './platform/memory-bus.ts';
import { type IdentitySettings, type RunningService, startService } from './platform/service.ts';
import { createTokenIssuer, localTokenVerifier, signingKeysIn } from './platform/tokens.ts';
import { services } from './services/index.ts';

export interface EmbeddedSystem {
  url: string;
  bus: Bus;
  databaseUrl(service: ServiceName): string;
  stop(): Promise<void>;
}

/** The embedded default: PostgreSQL from npm, the four services and an in-process bus, behind one port. */
export async function startEmbeddedSystem(config: EmbeddedConfig, log: Logger): Promise<EmbeddedSystem> {
  const identity = await identityFrom(config);
  const verifier = localTokenVerifier(identity.issuer.publicKeys());
  const pg = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.PG_PORT, log });
  const running: RunningService[] = [];
  try {
    await pg.createDatabases(serviceNames);
    const bus = createMemoryBus();
    for (const name of serviceNames) {
      const own = name === 'users' ? { identity } : {};
      running.push(await startService(services[name], { databaseUrl: pg.urlFor(name), bus, log, verifier, retention: retentionOf(config), tracesEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, ...own }));
    }
    // Relays start once every consumer is subscribed, so no event is published to an empty room.
    if (config.OUTBOX_RELAY === 'on') for (const service of running) await service.startRelay();

    // The operators' console watches the same bus; its page calls the services through this gateway.
    const operatorsConsole = await createConsoleServer({ feed: bus, verifier, log });
    const upstreams = Object.fromEntries(running.map((s) => [s.name, s.app.routing.bind(s.app)]));
    const gateway = await startGateway(upstreams as Record<ServiceName, never>, config.PORT, {
      console: operatorsConsole.app.routing.bind(operatorsConsole.app),
    });
    return {
      url: `http://127.0.0.1:${gateway.port}`,
      bus,
      databaseUrl: (service) => pg.urlFor(service),
      async stop() {
        // Its live streams first: they would keep the gateway's connections open.
        await operatorsConsole.close();
        await gateway.close();
        for (const service of running) await service.stop();
        await bus.close();
        await pg.stop();
      },
    };
  } catch (error) {
    for (const service of running) await service.stop().catch(() => {});
    await pg.stop();
    throw error;
  }
}

/** The signing keys live in the data folder (made on first start); the operator comes from ADMIN_EMAIL and ADMIN_PASSWORD. */
async function identityFrom(config: EmbeddedConfig): Promise<IdentitySettings> {
  const issuer = await createTokenIssuer(await signingKeysIn(join(config.DATA_DIR, 'auth', 'signing-keys.json')));
  const operator = operatorAccount(config);
  return { issuer, ...(operator ? { operator } : {}) };
}

