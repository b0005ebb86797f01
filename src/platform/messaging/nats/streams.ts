import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  StorageType,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { backoffDelay } from '../../common/index.ts';

export interface StreamSpec {
  name: string;
  subjects: string[];
}

/** One stream per publishing service; an event's subject is its type, whose first token names the stream's owner. */
export function streamsOf(publishers: readonly string[]): StreamSpec[] {
  return publishers.map((publisher) => ({ name: publisher.toUpperCase(), subjects: [`${publisher}.>`] }));
}

/** The stream that carries events of `eventType`. */
export function streamOf(streams: StreamSpec[], eventType: string): StreamSpec {
  const stream = streams.find((s) => s.subjects.some((subject) => eventType.startsWith(subject.replace(/>$/, ''))));
  if (!stream) throw new Error(`no NATS stream carries ${eventType}`);
  return stream;
}

/** Within this window the server drops a second publish with the same Nats-Msg-Id (a relay republishing a row). */
const DUPLICATE_WINDOW_MS = 2 * 60_000;
/**
 * Streams keep events 3 days, then drop them: long enough for a consumer that was down over a weekend, and shorter
 * than the consumers' inbox retention (RETENTION_INBOX, 7 days), so no event still in a stream is forgotten by an inbox.
 */
export const STREAM_MAX_AGE_MS = 3 * 24 * 3_600_000;
/** An event not acknowledged within this time goes to another replica (a replica that died holding it). */
const ACK_WAIT_MS = 30_000;

export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

export function isMissing(error: unknown): boolean {
  return isApiError(error, JetStreamApiCodes.ConsumerNotFound) || isApiError(error, JetStreamApiCodes.StreamNotFound);
}

export function consumerConfig(name: string, types: string[], multipleFilters: boolean): Partial<ConsumerConfig> {
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

/**
 * While a JetStream cluster forms (or elects a leader), it answers "temporarily unavailable" or not at all: a
 * service that starts meanwhile waits for it, up to a minute, rather than failing its start.
 */
export async function untilJetStreamAnswers(declare: () => Promise<void>, log: Logger): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await declare();
    } catch (error) {
      const transient = error instanceof JetStreamApiError ? error.code === 10008 : /no responders|timeout|temporarily unavailable/i.test(String(error));
      if (!transient || Date.now() > deadline) throw error;
      log.info({ err: error, attempt }, 'JetStream is not ready yet; trying again');
      await sleep(backoffDelay({ firstMs: 250, factor: 2, maxMs: 2_000 }, attempt));
    }
  }
}

/** Idempotent: creates the stream, or brings an existing one's subjects, window and age limit up to date. */
export async function declareStream(jsm: JetStreamManager, { name, subjects }: StreamSpec, replicas: number, log: Logger): Promise<void> {
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
export async function declareConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>): Promise<void> {
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError)) throw error;
    const { durable_name: name = '', ack_policy: _ack, deliver_policy: _deliver, ...changeable } = config;
    await jsm.consumers.update(stream, name, { filter_subject: undefined, filter_subjects: undefined, ...changeable });
  }
}

export function explainJetStream(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (/jetstream (is )?not enabled|no responders/i.test(message)) {
    return new Error(`NATS answers but JetStream is off: start the server with -js (${message})`, { cause: error });
  }
  return error;
}

export function serverAtLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (nc.info?.version ?? '0.0').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
