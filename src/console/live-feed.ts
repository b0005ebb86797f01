import type { ServerResponse } from 'node:http';
import { LetterStoredV1, OrderCreatedV1, OrderPaidV1, OrderRejectedV1, PaymentRejectedV1, PaymentSucceededV1 } from '../contracts/events.ts';
import type { EventFeed, EventEnvelope } from '../platform/messaging/index.ts';

/** The events that move an order, which the console's feed shows. */
export const ORDER_EVENT_TYPES = [OrderCreatedV1, PaymentSucceededV1, PaymentRejectedV1, OrderPaidV1, OrderRejectedV1, LetterStoredV1].map(
  (definition) => definition.type,
);

export interface LiveFeedOptions {
  /** A comment line this often keeps proxies (the ingress closes a stream silent for 60 s) from closing the stream. */
  heartbeatMs?: number;
  /** Orders whose latest event waits for a slow client; beyond this the oldest are dropped (and the client told). */
  maxPendingOrders?: number;
  /** Streams at once; more are refused with 503. */
  maxClients?: number;
}

export interface LiveFeed {
  /** Whether another stream may start (see maxClients). */
  hasRoom(): boolean;
  /**
   * Streams the order events to `res` as server-sent events until the client goes, `until` (the end of the caller's
   * token) passes, or the feed closes. The first frame (`event: ready`) says the stream is live.
   */
  stream(res: ServerResponse, until: number): void;
  clients(): number;
  /** Ends every stream and stops watching. */
  close(): void;
}

interface Client {
  res: ServerResponse;
  /** Set while the socket's buffer is full: frames then wait in `pending` instead. */
  congested: boolean;
  /** The latest frame of each order, while congested: a slow client gets each order's last state, not its every step. */
  pending: Map<string, string>;
  dropped: number;
  timers: NodeJS.Timeout[];
}

/**
 * Fans the order events out to the connected operators as server-sent events. It never waits for a client: a frame
 * goes to a socket only while its buffer has room; otherwise the client's pending frames are coalesced to the latest
 * per order (bounded), flushed when the socket drains, and whatever had to be dropped is announced (`event: gap`) so
 * the page can reload what it shows. So a slow browser costs the bus and the services nothing.
 */
export function createLiveFeed(feed: EventFeed, options: LiveFeedOptions = {}): LiveFeed {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxPending = options.maxPendingOrders ?? 500;
  const maxClients = options.maxClients ?? 50;
  const clients = new Set<Client>();
  let stopWatching: (() => void) | undefined;

  function send(client: Client, frame: string, key: string): void {
    if (!client.congested) {
      client.congested = !client.res.write(frame);
      return;
    }
    client.pending.delete(key); // re-inserted last: the Map keeps the order in which orders last moved
    client.pending.set(key, frame);
    if (client.pending.size > maxPending) {
      client.pending.delete(client.pending.keys().next().value as string);
      client.dropped++;
    }
  }

  function flush(client: Client): void {
    client.congested = false;
    if (client.dropped > 0) {
      client.congested = !client.res.write(frame('gap', { dropped: client.dropped }));
      client.dropped = 0;
    }
    for (const [key, pendingFrame] of client.pending) {
      if (client.congested) return;
      client.pending.delete(key);
      client.congested = !client.res.write(pendingFrame);
    }
  }

  function onEvent(event: EventEnvelope): void {
    const framed = frame('order-event', event, event.id);
    const key = orderOf(event);
    for (const client of clients) send(client, framed, key);
  }

  function end(client: Client, last?: string): void {
    if (!clients.delete(client)) return;
    for (const timer of client.timers) clearTimeout(timer);
    client.res.end(last);
    if (clients.size === 0) {
      stopWatching?.();
      stopWatching = undefined;
    }
  }

  return {
    hasRoom: () => clients.size < maxClients,
    stream(res, until) {
      const client: Client = { res, congested: false, pending: new Map(), dropped: 0, timers: [] };
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies (ingress-nginx) must pass each frame on at once, not buffer the response.
        'x-accel-buffering': 'no',
      });
      clients.add(client);
      stopWatching ??= feed.watch(ORDER_EVENT_TYPES, onEvent);
      res.on('drain', () => flush(client));
      res.on('close', () => end(client));
      const heartbeat = setInterval(() => {
        if (!client.congested) client.congested = !res.write(': keep-alive\n\n');
      }, heartbeatMs);
      const expiry = setTimeout(() => end(client, frame('expired', { reason: 'the access token has expired; log in again' })), Math.max(0, until - Date.now()));
      client.timers.push(heartbeat, expiry);
      client.congested = !res.write(frame('ready', { types: ORDER_EVENT_TYPES }));
    },
    clients: () => clients.size,
    close() {
      for (const client of [...clients]) end(client, frame('closing', { reason: 'the console is stopping' }));
    },
  };
}

/** One server-sent event: its name, the JSON data on one line, and the id (the event id) when it has one. */
export function frame(name: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Every order event names its order in data.orderId (a letter only if it is about an order); else its subject. */
function orderOf(event: EventEnvelope): string {
  const orderId = (event.data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : event.subject;
}
