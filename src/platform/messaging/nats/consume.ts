import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { backoffDelay } from '../../common/index.ts';
import { redelivery, type Subscription, type EventEnvelope } from '../index.ts';
import { consumerConfig, declareConsumer, declareStream, isMissing, type StreamSpec, streamOf } from './streams.ts';

/** What a subscription needs of the bus's connection. */
export interface ConsumeContext {
  js: JetStreamClient;
  jsm: JetStreamManager;
  streams: StreamSpec[];
  replicas: number;
  /** Whether the server filters a consumer on several subjects (2.10 and later). */
  multipleFilters: boolean;
  /** Events handled at once per subscription. */
  maxInFlight: number;
  log: Logger;
}

/**
 * Delivers a subscription's events from one durable pull consumer per stream it reads, shared by the replicas of
 * the service: explicit acks once handled, and a nak with the platform's redelivery backoff when handling failed.
 * Returns the stop, which stops pulling, hands back what was pulled and not started, and waits for what runs.
 */
export async function consumeSubscription(context: ConsumeContext, subscription: Subscription): Promise<() => Promise<void>> {
  const { js, jsm, streams, log } = context;
  const byStream = new Map<string, string[]>();
  for (const type of subscription.eventTypes) {
    const stream = streamOf(streams, type).name;
    byStream.set(stream, [...(byStream.get(stream) ?? []), type]);
  }
  const declare = (stream: string, types: string[]) => declareConsumer(jsm, stream, consumerConfig(subscription.consumer, types, context.multipleFilters));
  for (const [stream, types] of byStream) await declare(stream, types);
  const stopping = new AbortController();
  const limiter = createLimiter(context.maxInFlight);
  const inFlight = new Set<Promise<void>>();
  const active = new Set<ConsumerMessages>();
  const subscriptionLog = log.child({ consumer: subscription.consumer });

  async function handle(msg: JsMsg, types: ReadonlySet<string>): Promise<void> {
    if (!types.has(msg.subject)) return msg.ack(); // servers before 2.10 filter on one subject only
    let event: EventEnvelope;
    try {
      event = msg.json<EventEnvelope>();
    } catch (error) {
      subscriptionLog.error({ err: error, subject: msg.subject, seq: msg.seq }, 'unreadable message terminated');
      return msg.term();
    }
    const attempt = msg.info.deliveryCount;
    try {
      await subscription.handle({ event, attempt });
      msg.ack();
    } catch (error) {
      subscriptionLog.debug({ err: error, eventId: event.id, attempt }, 'handling failed; redelivery requested');
      msg.nak(redelivery.delayBefore(attempt + 1));
    }
  }

  /** The stream's durable consumer, declared again if a server that came back without its store lost it. */
  async function attach(stream: string, types: string[]) {
    return js.consumers.get(stream, subscription.consumer).catch(async (error: unknown) => {
      if (!isMissing(error)) throw error;
      await declareStream(jsm, streamOf(streams, types[0] as string), context.replicas, log);
      await declare(stream, types);
      return js.consumers.get(stream, subscription.consumer);
    });
  }

  /** Takes one pulled message into the handling, or hands it straight back to the other replicas when stopping. */
  async function take(msg: JsMsg, subscribed: ReadonlySet<string>): Promise<void> {
    if (!stopping.signal.aborted) await limiter.acquire();
    if (stopping.signal.aborted) return msg.nak();
    const running = handle(msg, subscribed)
      .catch((error) => subscriptionLog.error({ err: error }, 'delivery failed'))
      .finally(() => {
        limiter.release();
        inFlight.delete(running);
      });
    inFlight.add(running);
  }

  /** Pulls from one stream's durable consumer until stopped; re-attaches after the server or the consumer went away. */
  async function consume(stream: string, types: string[]): Promise<void> {
    const subscribed = new Set(types);
    for (let failures = 0; !stopping.signal.aborted; failures++) {
      let messages: ConsumerMessages | undefined;
      try {
        // Deleted while consuming: end, so the loop declares it again.
        messages = await (await attach(stream, types)).consume({ max_messages: context.maxInFlight, abort_on_missing_resource: true });
        active.add(messages);
        if (stopping.signal.aborted) messages.stop();
        for await (const msg of messages) {
          failures = 0;
          await take(msg, subscribed);
        }
      } catch (error) {
        if (!stopping.signal.aborted) subscriptionLog.warn({ err: error, stream, failures }, 'consuming stopped; re-attaching');
      } finally {
        if (messages) active.delete(messages);
      }
      if (stopping.signal.aborted) break;
      await sleep(backoffDelay({ firstMs: 250, factor: 2, maxMs: 5_000 }, failures + 1), undefined, { signal: stopping.signal }).catch(() => {});
    }
  }

  const loops = [...byStream].map(([stream, types]) => consume(stream, types));
  return async () => {
    stopping.abort();
    for (const messages of active) messages.stop();
    limiter.releaseWaiters();
    await Promise.allSettled(loops);
    await Promise.allSettled([...inFlight]);
  };
}

/** A counting semaphore; releaseWaiters() lets everyone waiting through (they then see the stop and hand back). */
function createLimiter(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
    releaseWaiters(): void {
      for (const next of waiting.splice(0)) next();
    },
  };
}
