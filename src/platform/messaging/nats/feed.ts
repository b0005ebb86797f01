import type { Logger } from 'pino';
import type { EventFeed, EventEnvelope } from '../index.ts';
import { connectWatched } from './connection.ts';

/**
 * The live view of NATS for the console: plain (core NATS) subscriptions to the event subjects, which see every event
 * as JetStream stores it. No JetStream consumer at all, so nothing is kept on the server for a watcher, nothing
 * competes with the services' durable consumers, and a watcher that falls behind is the server's to cut off (a slow
 * consumer), never a brake on the publishers. Events published while the connection is away are not seen: this is a
 * view, not a record (the services' admin routes are the record). It declares no stream: that is the services' job.
 */
export async function connectNatsFeed(options: { servers: string; name: string; log: Logger }): Promise<EventFeed & { close(): Promise<void> }> {
  const log = options.log.child({ component: 'nats-feed' });
  const { nc, isConnected, watchingStatus } = await connectWatched({ ...options, log, whileAway: 'events meanwhile are not shown' });

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
    isReady: () => isConnected() && !nc.isClosed(),
    async close() {
      if (!nc.isClosed()) await nc.close();
      await watchingStatus.catch(() => {});
    },
  };
}
