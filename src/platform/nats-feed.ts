import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { EventFeed } from './bus.ts';
import type { EventEnvelope } from './events.ts';

/**
 * The live view of NATS for the console: plain (core NATS) subscriptions to the event subjects, which see every event
 * as JetStream stores it. No JetStream consumer at all, so nothing is kept on the server for a watcher, nothing
 * competes with the services' durable consumers, and a watcher that falls behind is the server's to cut off (a slow
 * consumer), never a brake on the publishers. Events published while the connection is away are not seen: this is a
 * view, not a record (the services' admin routes are the record). It declares no stream: that is the services' job.
 */
export async function connectNatsFeed(options: { servers: string; name: string; log: Logger }): Promise<EventFeed & { close(): Promise<void> }> {
  const log = options.log.child({ component: 'nats-feed' });
  const servers = options.servers.split(',').map((server) => server.trim());
  const nc = await connect({
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: 1_000,
    pingInterval: 10_000,
    maxPingOut: 2,
  });
  let connected = true;
  const watchingStatus = (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting' || status.type === 'staleConnection') {
        if (connected) log.warn({ status: status.type }, 'NATS connection lost; reconnecting (events meanwhile are not shown)');
        connected = false;
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info({ server: status.server }, 'NATS connection back');
      }
    }
  })();

  return {
    watch(eventTypes, onEvent) {
      const subscriptions = eventTypes.map((type) =>
        nc.subscribe(type, {
          callback(error, message) {
            if (error) return;
            let event: EventEnvelope;
            try {
              event = message.json<EventEnvelope>();
            } catch {
              return; // not ours to judge: the consumers dead-letter what they cannot read
            }
            try {
              onEvent(event);
            } catch (watcherError) {
              log.warn({ err: watcherError }, 'a watcher failed on an event');
            }
          },
        }),
      );
      return () => {
        for (const subscription of subscriptions) subscription.unsubscribe();
      };
    },
    isReady: () => connected && !nc.isClosed(),
    async close() {
      if (!nc.isClosed()) await nc.close();
      await watchingStatus.catch(() => {});
    },
  };
}
