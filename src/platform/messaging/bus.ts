import type { EventEnvelope } from './events.ts';

/** How often a consumer gets an event before it is dead-lettered, and the waits between tries. */
export const redelivery = {
  maxAttempts: 5,
  backoffMs: [100, 500, 2_000, 5_000],
  delayBefore(nextAttempt: number): number {
    return this.backoffMs[Math.min(nextAttempt - 2, this.backoffMs.length - 1)] ?? 0;
  },
};

export interface Delivery {
  /** 1 for the first delivery, 2 for the first redelivery, ... */
  attempt: number;
}

export interface Subscription {
  /** Durable consumer name; replicas of one service share it and compete for its events. */
  consumer: string;
  eventTypes: string[];
  /** Resolving acknowledges the event; throwing asks for a redelivery after a backoff. */
  handle(event: EventEnvelope, delivery: Delivery): Promise<void>;
}

/**
 * At-least-once event transport. Implementations: in-process (memory-bus.ts) and NATS JetStream (nats-bus.ts).
 * Services only publish from their outbox relay and consume through platform/consumer.ts.
 */
export interface Bus {
  /** Resolves once the bus has taken responsibility for the event; only then may the outbox mark it published. */
  publish(event: EventEnvelope): Promise<void>;
  /** Starts delivering; the returned function stops taking events and waits for those in flight. */
  subscribe(subscription: Subscription): Promise<() => Promise<void>>;
  isReady(): boolean;
  close(): Promise<void>;
}

/**
 * A live view of the events as they are published, for people watching (the operators' console). Not a
 * subscription: no durable consumer, no acknowledgement, no redelivery, so a watcher never competes with the
 * services' consumers; one that is away misses what passes. `onEvent` must return at once (a watcher that cannot
 * keep up drops or coalesces), so nothing a watcher does delays a publisher or a consumer.
 */
export interface EventFeed {
  /** Starts calling onEvent for each event of these types; the returned function stops it. */
  watch(eventTypes: readonly string[], onEvent: (event: EventEnvelope) => void): () => void;
  isReady(): boolean;
}
