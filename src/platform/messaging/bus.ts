import { type Backoff, backoffDelay } from '../common/index.ts';
import type { EventEnvelope } from './events.ts';

/** How often a consumer gets an event before it is dead-lettered, and the waits between tries (100 ms, 0.5 s, 2.5 s, 5 s). */
export const redelivery = {
  maxAttempts: 5,
  backoff: { firstMs: 100, factor: 5, maxMs: 5_000 } satisfies Backoff,
  /** The wait before delivery number `attempt` (2 for the first redelivery). */
  delayBefore(attempt: number): number {
    return backoffDelay(this.backoff, attempt - 1);
  },
};

/** One delivery of an event to a consumer. */
export interface Delivery {
  event: EventEnvelope;
  /** 1 for the first delivery, 2 for the first redelivery, ... */
  attempt: number;
}

export interface Subscription {
  /** Durable consumer name; replicas of one service share it and compete for its events. */
  consumer: string;
  eventTypes: string[];
  /** Resolving acknowledges the event; throwing asks for a redelivery after a backoff. */
  handle(delivery: Delivery): Promise<unknown>;
}

/**
 * At-least-once event transport. Implementations: in-process (memory-bus.ts) and NATS JetStream (nats/).
 * Services only publish from their outbox relay and consume through consumer.ts.
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
