import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { headers, type NatsConnection, nanos, RequestError } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type Bus, redelivery } from '../bus.ts';
import type { EventEnvelope } from '../events.ts';
import { connectWatched } from './connection.ts';

export interface StreamSpec {
  name: string;
  subjects: string[];
}

/** One stream per publishing service; an event's subject is its type, whose first token names the publisher. */
export function streamsOf(publishers: readonly string[]): StreamSpec[] {
  return publishers.map((publisher) => ({ name: publisher.toUpperCase(), subjects: [`${publisher}.>`] }));
}

/** Within this window the server drops a second publish with the same Nats-Msg-Id (a relay republishing a row). */
const DUPLICATE_WINDOW_MS = 2 * 60_000;
/**
 * Streams keep events 3 days, then drop them: long enough for a consumer that was down over a weekend, and shorter
 * than the consumers' inbox retention (RETENTION_INBOX, 7 days), so no event still in a stream is forgotten by an inbox.
 */
const STREAM_MAX_AGE_MS = 3 * 24 * 3_600_000;
/** An event not acknowledged within this time goes to another replica (a replica that died holding it). */
const ACK_WAIT_MS = 30_000;
const PUBLISH_TIMEOUT_MS = 3_000;
const MAX_IN_FLIGHT = 32;

export interface NatsBusOptions {
  /** nats://host:port, or several separated by commas. */
  servers: string | string[];
  /** The streams of the system (streamsOf the services that publish), declared by every process that connects. */
  streams: StreamSpec[];
  /** How many servers of a JetStream cluster keep each stream: 1, or 3 (it survives the loss of one). */
  streamReplicas?: number;
  /** Client name shown by the server's monitoring, e.g. billing. */
  name: string;
  log: Logger;
  /**
   * The id the server de-duplicates publishes on; by default the event id, so a relay that publishes
   * a row again after a crash is dropped by the server. Consumers de-duplicate on the event id anyway.
   */
  messageId?: (event: EventEnvelope) => string;
  /** Events handled at once per subscription. */
  maxInFlight?: number;
}

/**
 * The production bus: NATS JetStream. Publishing resolves on the server's PubAck (the event is stored);
 * each subscription is a durable pull consumer per stream, shared by the replicas of a service,
 * with explicit acks and the platform's redelivery backoff through nak(delay). The connection
 * reconnects forever; while it is away, publishes fail at once (the outbox keeps the rows) and isReady() is false.
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<Bus> {
  const log = options.log.child({ component: 'nats-bus' });
  const messageId = options.messageId ?? ((event: EventEnvelope) => event.id);
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;

  const { nc, isConnected, watchingStatus } = await connectWatched({ servers: options.servers, name: options.name, log });
  let closed = false;

  const streams = options.streams;
  const replicas = options.streamReplicas ?? 1;
  const declareAll = async (jsm: JetStreamManager) => {
    for (const stream of streams) await declareStream(jsm, stream, replicas, log);
  };
  const streamOf = (eventType: string): StreamSpec => {
    const stream = streams.find((s) => s.subjects.some((subject) => eventType.startsWith(subject.replace(/>$/, ''))));
    if (!stream) throw new Error(`no NATS stream carries ${eventType}`);
    return stream;
  };

  try {
    const jsm = await jetstreamManager(nc).catch((error: unknown) => Promise.reject(explainJetStream(error)));
    await untilJetStreamAnswers(() => declareAll(jsm), log);
    let redeclaring: Promise<void> | undefined;
    const redeclareStreams = () => {
      redeclaring ??= declareAll(jsm)
        .catch((error) => log.warn({ err: error }, 'could not declare the streams'))
        .finally(() => (redeclaring = undefined));
    };
    const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
    const multipleFilters = serverAtLeast(nc, 2, 10);
    const subscriptions = new Set<() => Promise<void>>();

    return {
      async publish(event) {
        if (closed) throw new Error('bus is closed');
        if (!isConnected()) throw new Error('NATS is not connected; the event stays in the outbox');
        const h = headers();
        h.set('correlation-id', event.correlationid);
        if (event.traceparent) h.set('traceparent', event.traceparent);
        try {
          await js.publish(event.type, JSON.stringify(event), { msgID: messageId(event), headers: h, timeout: PUBLISH_TIMEOUT_MS });
        } catch (error) {
          // No stream took it (the client calls that "JetStream not enabled"): the server came back without
          // its store. Declare the streams again for the relay's retry.
          const cause = (error as { cause?: unknown }).cause;
          if (cause instanceof RequestError && cause.isNoResponders()) redeclareStreams();
          throw error;
        }
      },

      async subscribe(subscription) {
        const byStream = new Map<string, string[]>();
        for (const type of subscription.eventTypes) {
          const stream = streamOf(type).name;
          byStream.set(stream, [...(byStream.get(stream) ?? []), type]);
        }
        const declare = (stream: string, types: string[]) =>
          declareConsumer(jsm, stream, consumerConfig(subscription.consumer, types, multipleFilters));
        for (const [stream, types] of byStream) await declare(stream, types);
        const stopping = new AbortController();
        const limiter = createLimiter(maxInFlight);
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
            await subscription.handle(event, { attempt });
            msg.ack();
          } catch (error) {
            subscriptionLog.debug({ err: error, eventId: event.id, attempt }, 'handling failed; redelivery requested');
            msg.nak(redelivery.delayBefore(attempt + 1));
          }
        }

        /** Pulls from one stream's durable consumer until stopped; re-attaches after the server or the consumer went away. */
        async function consume(stream: string, types: string[]): Promise<void> {
          const subscribed = new Set(types);
          for (let failures = 0; !stopping.signal.aborted; failures++) {
            let messages: ConsumerMessages | undefined;
            try {
              const consumer = await js.consumers.get(stream, subscription.consumer).catch(async (error: unknown) => {
                // A server that came back without its store: declare the stream and the consumer again.
                if (!isMissing(error)) throw error;
                await declareStream(jsm, streamOf(types[0] as string), replicas, log);
                await declare(stream, types);
                return js.consumers.get(stream, subscription.consumer);
              });
              // Deleted while consuming: end, so the loop declares it again.
              messages = await consumer.consume({ max_messages: maxInFlight, abort_on_missing_resource: true });
              active.add(messages);
              if (stopping.signal.aborted) messages.stop();
              for await (const msg of messages) {
                failures = 0;
                if (!stopping.signal.aborted) await limiter.acquire();
                // Taken from the server but not started: hand it straight back to the other replicas.
                if (stopping.signal.aborted) {
                  msg.nak();
                  continue;
                }
                const running = handle(msg, subscribed)
                  .catch((error) => subscriptionLog.error({ err: error }, 'delivery failed'))
                  .finally(() => {
                    limiter.release();
                    inFlight.delete(running);
                  });
                inFlight.add(running);
              }
            } catch (error) {
              if (!stopping.signal.aborted) subscriptionLog.warn({ err: error, stream, failures }, 'consuming stopped; re-attaching');
            } finally {
              if (messages) active.delete(messages);
            }
            if (!stopping.signal.aborted) {
              await sleep(Math.min(250 * 2 ** failures, 5_000), undefined, { signal: stopping.signal }).catch(() => {});
            }
          }
        }

        const loops = [...byStream].map(([stream, types]) => consume(stream, types));
        const stop = async () => {
          subscriptions.delete(stop);
          stopping.abort();
          for (const messages of active) messages.stop();
          limiter.releaseWaiters();
          await Promise.allSettled(loops);
          await Promise.allSettled([...inFlight]);
        };
        subscriptions.add(stop);
        return stop;
      },

      isReady: () => isConnected() && !closed && !nc.isClosed(),

      async close() {
        if (closed) return;
        for (const stop of [...subscriptions]) await stop();
        closed = true;
        // Draining flushes the last acks; a server that is away cannot be drained, only left.
        if (isConnected() && !nc.isClosed()) {
          await Promise.race([nc.drain().catch(() => {}), sleep(5_000)]);
        }
        if (!nc.isClosed()) await nc.close();
        await watchingStatus.catch(() => {});
      },
    };
  } catch (error) {
    await nc.close().catch(() => {});
    await watchingStatus.catch(() => {});
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return isApiError(error, JetStreamApiCodes.ConsumerNotFound) || isApiError(error, JetStreamApiCodes.StreamNotFound);
}

function consumerConfig(name: string, types: string[], multipleFilters: boolean): Partial<ConsumerConfig> {
  // Servers before 2.10 filter on one subject: a consumer of several types of a stream then reads it all and skips the rest.
  const filter = types.length === 1 ? { filter_subject: types[0] } : multipleFilters ? { filter_subjects: types } : {};
  return {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ACK_WAIT_MS),
    // Unlimited: the platform dead-letters after redelivery.maxAttempts (and then acks). A cap here would
    // silently drop an event whose every attempt, dead-lettering included, met an unreachable database.
    max_deliver: -1,
    ...filter,
  };
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/**
 * While a JetStream cluster forms (or elects a leader), it answers "temporarily unavailable" or not at all: a
 * service that starts meanwhile waits for it, up to a minute, rather than failing its start.
 */
async function untilJetStreamAnswers(declare: () => Promise<void>, log: Logger): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await declare();
    } catch (error) {
      const transient = error instanceof JetStreamApiError ? error.code === 10008 : /no responders|timeout|temporarily unavailable/i.test(String(error));
      if (!transient || Date.now() > deadline) throw error;
      log.info({ err: error, attempt }, 'JetStream is not ready yet; trying again');
      await sleep(Math.min(250 * attempt, 2_000));
    }
  }
}

/** Idempotent: creates the stream, or brings an existing one's subjects, window and age limit up to date. */
async function declareStream(jsm: JetStreamManager, { name, subjects }: StreamSpec, replicas: number, log: Logger): Promise<void> {
  const window = nanos(DUPLICATE_WINDOW_MS);
  const maxAge = nanos(STREAM_MAX_AGE_MS);
  const existing = await jsm.streams.info(name).catch((error: unknown) => {
    if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw explainJetStream(error);
  });
  if (!existing) {
    try {
      await jsm.streams.add({ name, subjects, storage: StorageType.File, duplicate_window: window, max_age: maxAge, num_replicas: replicas });
      log.info({ stream: name, subjects, replicas }, 'stream created');
      return;
    } catch (error) {
      // Another replica created it at the same moment: fall through to the update.
      if (!(error instanceof JetStreamApiError)) throw error;
    }
  }
  const config = existing?.config;
  const same =
    config && config.duplicate_window === window && config.max_age === maxAge && config.num_replicas === replicas && config.subjects?.join() === subjects.join();
  if (!same) {
    await jsm.streams.update(name, { subjects, duplicate_window: window, max_age: maxAge, num_replicas: replicas });
    log.info({ stream: name, subjects, replicas }, 'stream updated');
  }
}

/** Idempotent: replicas starting together all succeed (same config), and a changed list of types updates the filter. */
async function declareConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>): Promise<void> {
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError)) throw error;
    const { durable_name: name = '', ack_policy: _ack, deliver_policy: _deliver, ...changeable } = config;
    await jsm.consumers.update(stream, name, { filter_subject: undefined, filter_subjects: undefined, ...changeable });
  }
}

function explainJetStream(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (/jetstream (is )?not enabled|no responders/i.test(message)) {
    return new Error(`NATS answers but JetStream is off: start the server with -js (${message})`, { cause: error });
  }
  return error;
}

function serverAtLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (nc.info?.version ?? '0.0').split('.').map(Number);
  return a > major || (a === major && b >= minor);
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
