import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, type EventFeed, redelivery, type Subscription } from './bus.ts';
import type { EventEnvelope } from './events.ts';

/**
 * The in-process bus of the embedded default, with the same guarantees as the broker:
 * publish() resolves only after every subscribed consumer has committed (or dead-lettered) the event,
 * so until then its outbox row stays unpublished and a crash simply publishes it again.
 * Failed handlings are retried with the same backoff as JetStream redeliveries, for as long as the consumer is
 * subscribed: unsubscribing or closing ends the retries at once (the attempt in progress finishes), and the
 * publish fails, which leaves the event in its outbox for the next start.
 * Watchers (the console's live feed) see each event as it is published, before the consumers have it.
 */
export function createMemoryBus(): Bus & EventFeed {
  /** Each subscription with the signal that ends its deliveries. */
  const subscriptions = new Map<Subscription, AbortController>();
  const watchers = new Set<{ types: ReadonlySet<string>; onEvent: (event: EventEnvelope) => void }>();
  const inFlight = new Map<Subscription, Set<Promise<void>>>();
  const closing = new AbortController();

  async function deliver(subscription: Subscription, ended: AbortSignal, wire: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (ended.aborted) throw new Error('bus closed before delivery');
      try {
        // Each consumer gets its own copy, as if it came over the wire.
        await subscription.handle({ event: JSON.parse(wire) as EventEnvelope, attempt });
        return;
      } catch {
        await sleep(redelivery.delayBefore(attempt + 1), undefined, { signal: ended }).catch(() => {});
      }
    }
  }

  function track(subscription: Subscription, delivery: Promise<void>): Promise<void> {
    const set = inFlight.get(subscription) ?? new Set();
    inFlight.set(subscription, set);
    set.add(delivery);
    return delivery.finally(() => set.delete(delivery));
  }

  return {
    async publish(event) {
      if (closing.signal.aborted) throw new Error('bus is closed');
      const wire = JSON.stringify(event);
      for (const watcher of watchers) {
        if (!watcher.types.has(event.type)) continue;
        try {
          watcher.onEvent(JSON.parse(wire) as EventEnvelope);
        } catch {
          // A watcher's trouble is its own: the event is published all the same.
        }
      }
      const targets = [...subscriptions].filter(([s]) => s.eventTypes.includes(event.type));
      await Promise.all(targets.map(([s, ended]) => track(s, deliver(s, ended.signal, wire))));
    },
    async subscribe(subscription) {
      const ended = new AbortController();
      closing.signal.addEventListener('abort', () => ended.abort(), { once: true });
      subscriptions.set(subscription, ended);
      return async () => {
        subscriptions.delete(subscription);
        ended.abort();
        await Promise.allSettled([...(inFlight.get(subscription) ?? [])]);
      };
    },
    watch(eventTypes, onEvent) {
      const watcher = { types: new Set(eventTypes), onEvent };
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },
    isReady: () => !closing.signal.aborted,
    async close() {
      closing.abort();
      await Promise.allSettled([...inFlight.values()].flatMap((set) => [...set]));
    },
  };
}
