/**
 * Events between services, and what makes them reliable. The path of one event:
 * a use case appends it to its transaction's outbox (outbox.ts) → the commit wakes the relay (relay-wake.ts), which
 * publishes it (relay.ts, relay-publisher.ts) → the bus (bus.ts: memory-bus.ts in one process, nats/ across processes)
 * delivers it → the consumer (consumer.ts) validates it, skips it if its inbox has the id (inbox.ts), and runs the
 * handler (handlers.ts) in a transaction that also writes the inbox mark and the handler's own outbox events → commit
 * → acknowledgement. Failures are retried, then dead-lettered (delivery-middleware.ts, dead-letters.ts).
 */
export { type Bus, type Delivery, type EventFeed, redelivery, type Subscription } from './bus.ts';
export { type ConsumerOptions, type ConsumerSteps, createConsumer, type DecodedDelivery } from './consumer.ts';
export {
  type DeadLetter,
  type DeadLetterState,
  deadLetterReplay,
  deadLettersAbout,
  discardDeadLetter,
  findDeadLetter,
  listDeadLetters,
  type Replay,
  type ReplayResult,
  replayDeadLetters,
} from './dead-letters.ts';
export { type DeliveryHandler, MalformedEvent, type Outcome } from './delivery-middleware.ts';
export { type Correlation, defineEvent, type EventDefinition, EventEnvelope, newEvent } from './events.ts';
export { type EventHandler, type HandlerContext, on } from './handlers.ts';
export { createMemoryBus } from './memory-bus.ts';
export { appendToOutbox, outboxWrite } from './outbox.ts';
export { type OutboxRelay, startOutboxRelay } from './relay.ts';
export { relayWaker, wakeRelay } from './relay-wake.ts';
export { type MessagingRetention, messagingRules } from './retention-rules.ts';
