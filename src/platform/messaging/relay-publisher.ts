import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Sql } from '../database/index.ts';
import { type ServiceMetrics, SpanKind, type Tracing } from '../observability/index.ts';
import { type Backoff, backoffDelay, type Gate, perKeyQueue } from '../common/index.ts';
import type { Bus } from './bus.ts';
import type { EventEnvelope } from './events.ts';

export interface OutboxRow {
  seq: string;
  aggregate_id: string;
  envelope: EventEnvelope;
  /** The backend that read the row: the relay only publishes what its lock-holding connection read. */
  pid: number;
}

/** Marks wait this long for company (unless many are waiting): one UPDATE for many events, not one each. */
const MARK_DELAY_MS = 10;
const MARK_BATCH = 128;
export const RELAY_BACKOFF: Backoff = { firstMs: 200, factor: 2, maxMs: 5_000 };

export interface RelayPublisherOptions {
  bus: Bus;
  /** The relay's own connection, which holds its lock: marks go through it. */
  relayConnection: Sql;
  log: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
  /** Aborted when the relay stops: marks then stop retrying, pauses end at once. */
  stopping: AbortSignal;
  /** Called when a publish failed: the relay's loop reads the row again after a pause. */
  wakeRelay(): void;
  /** Called when marks took rows out of flight: a relay that stopped reading for lack of room may read again. */
  roomMade(): void;
  /** While closed, publishing waits (the embedded default's stand-in for SIGSTOP). */
  gate?: Gate | undefined;
}

/**
 * Publishes the rows the relay read, each aggregate's in commit order and aggregates side by side, and marks them
 * published once the bus has accepted them. A row whose publish failed (or that waited behind one that did) stays
 * unpublished; the relay reads it again after a pause.
 */
export function relayPublisher(options: RelayPublisherOptions) {
  const { bus, relayConnection, log, metrics, tracing, stopping } = options;
  /** Rows taken from the outbox and not yet marked published. */
  const inFlight = new Set<string>();
  const aggregates = perKeyQueue();
  let publishFailed = false;
  let toMark: string[] = [];
  let marking: Promise<void> | undefined;

  async function publishRow(row: OutboxRow): Promise<void> {
    const { envelope } = row;
    await options.gate?.pass();
    const span = tracing.start(`publish ${envelope.type}`, SpanKind.PRODUCER, envelope.traceparent, { 'messaging.message.id': envelope.id });
    try {
      await bus.publish(envelope);
      span?.end();
    } catch (error) {
      span?.end({ error });
      // A bus that is away or closing refuses everything: the relay's retry warns once, not once per event.
      if (!stopping.aborted && bus.isReady()) log.warn({ err: error, eventId: envelope.id, correlationId: envelope.correlationid }, 'publish failed');
      throw error;
    }
    metrics.eventsPublished.inc({ type: envelope.type });
  }

  /** Marks what the bus accepted, in as few statements as the pace allows; a failed mark is retried (the rows stay in flight). */
  async function markPublished(): Promise<void> {
    for (let failures = 0; toMark.length > 0; ) {
      if (toMark.length < MARK_BATCH && !stopping.aborted) await sleep(MARK_DELAY_MS);
      const seqs = toMark;
      toMark = [];
      try {
        await relayConnection`UPDATE outbox SET published_at = now() WHERE seq = ANY(${seqs}::bigint[])`;
        failures = 0;
        for (const seq of seqs) inFlight.delete(seq);
        options.roomMade();
      } catch (error) {
        toMark.push(...seqs);
        if (stopping.aborted) break; // they stay unpublished and go out again at the next start
        failures++;
        log.warn({ err: error, failures }, 'outbox relay could not mark published events; retrying');
        await sleep(backoffDelay(RELAY_BACKOFF, failures), undefined, { signal: stopping }).catch(() => {});
      }
    }
    marking = undefined;
  }

  return {
    inFlight: () => inFlight.size,
    /** The seqs of the rows in flight, which the next read must not take again. */
    inFlightSeqs: () => [...inFlight],
    publish(rows: OutboxRow[]): void {
      for (const row of rows) {
        inFlight.add(row.seq);
        aggregates.run(row.aggregate_id, () => publishRow(row)).then(
          () => {
            toMark.push(row.seq);
            marking ??= markPublished();
          },
          () => {
            inFlight.delete(row.seq);
            publishFailed = true;
            options.wakeRelay();
          },
        );
      }
    },
    /** True when a publish failed since the last `settle()`. */
    failed: () => publishFailed,
    /** Waits for every publish and mark in progress, and forgets past failures. */
    async settle(): Promise<void> {
      await aggregates.settled();
      await marking;
      publishFailed = false;
    },
  };
}
