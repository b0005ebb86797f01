import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, RequestError } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus, EventEnvelope } from '../index.ts';
import { connectWatched } from './connection.ts';
import { consumeSubscription } from './consume.ts';
import { declareStream, explainJetStream, serverAtLeast, type StreamSpec, untilJetStreamAnswers } from './streams.ts';

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
 * The production bus: NATS JetStream. Publishing resolves on the server's PubAck (the event is stored); each
 * subscription is a durable pull consumer per stream, shared by the replicas of a service (consume.ts). The
 * connection reconnects forever; while it is away, publishes fail at once (the outbox keeps the rows) and isReady()
 * is false.
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<Bus> {
  const log = options.log.child({ component: 'nats-bus' });
  const messageId = options.messageId ?? ((event: EventEnvelope) => event.id);
  const { nc, isConnected, watchingStatus } = await connectWatched({ servers: options.servers, name: options.name, log });
  const replicas = options.streamReplicas ?? 1;
  const declareAll = async (jsm: JetStreamManager) => {
    for (const stream of options.streams) await declareStream(jsm, stream, replicas, log);
  };
  let closed = false;

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
    const context = { js, jsm, streams: options.streams, replicas, multipleFilters: serverAtLeast(nc, 2, 10), maxInFlight: options.maxInFlight ?? MAX_IN_FLIGHT, log };
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
        const stopConsuming = await consumeSubscription(context, subscription);
        const stop = async () => {
          subscriptions.delete(stop);
          await stopConsuming();
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
          await Promise.race([nc.drain().catch(() => {}), sleep(5_000, undefined, { ref: false })]);
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
