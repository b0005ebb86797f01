/** The pieces the embedded default puts together (system.ts): the broker of its style, identity, and the service key. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createServiceCredentials, createTokenIssuer, type ServiceCredentials, serviceKeyIn, signingKeysIn } from './platform/access/index.ts';
import { type Bus, createMemoryBus, type EventFeed } from './platform/messaging/index.ts';
import { type EmbeddedConfig, type IdentitySettings, operatorAccount, serviceNames, usesBroker } from './platform/runtime/index.ts';

export interface Messaging {
  /** The broker; undefined in the http style, which has none. */
  bus: Bus | undefined;
  /** What the console's live feed watches: the bus, or nothing at all without one. */
  feed: EventFeed;
  close(): Promise<void>;
}

/** A feed that shows nothing, for the console of the http style: there are no events to watch. */
const noEvents: EventFeed = { watch: () => () => {}, isReady: () => true };

/** The in-process bus (which is also the console's feed), NATS JetStream and a live view of it when NATS_URL is set, or none. */
export async function messagingFor(config: EmbeddedConfig, log: Logger): Promise<Messaging> {
  if (!usesBroker(config.INTERACTION_STYLE)) return { bus: undefined, feed: noEvents, close: async () => {} };
  if (!config.NATS_URL) {
    const bus = createMemoryBus();
    return { bus, feed: bus, close: () => bus.close() };
  }
  // Loaded only here: the NATS client is not part of the default's memory.
  const { connectNatsBus, connectNatsFeed, streamsOf } = await import('./platform/messaging/nats/index.ts');
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
export async function identityFrom(config: EmbeddedConfig): Promise<IdentitySettings> {
  const issuer = await createTokenIssuer(await signingKeysIn(join(config.DATA_DIR, 'auth', 'signing-keys.json')));
  const operator = operatorAccount(config);
  return { issuer, ...(operator ? { operator } : {}) };
}

/** The key of the services' credentials for internal calls, made on first start beside the signing keys. */
export async function serviceCredentialsFrom(config: EmbeddedConfig): Promise<ServiceCredentials> {
  return createServiceCredentials(await serviceKeyIn(join(config.DATA_DIR, 'auth', 'service-key.json')));
}
