// @ts-check
/**
 * The live feed from GET /console/live: server-sent events read with fetch, because EventSource cannot send the
 * Authorization header (and a token in the URL would end up in access logs). Reconnects with backoff.
 */
import { currentSession, logOut } from './session.js';

/** @typedef {{ id: string, type: string, source: string, subject: string, time: string, correlationid: string, traceparent?: string, data: any }} Envelope */
/** @typedef {'connecting' | 'live' | 'offline'} LiveStatus */

/**
 * @param {{ onEvent(event: Envelope): void, onGap(dropped: number): void, onStatus(status: LiveStatus): void }} handlers
 * @returns {{ stop(): void }}
 */
export function connectLive(handlers) {
  let stopped = false;
  /** @type {AbortController | undefined} */
  let connection;

  async function run() {
    let backoff = 500;
    while (!stopped) {
      const session = currentSession();
      if (!session) return;
      connection = new AbortController();
      handlers.onStatus('connecting');
      try {
        const response = await fetch('/console/live', {
          headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' },
          cache: 'no-store',
          signal: connection.signal,
        });
        if (response.status === 401) return logOut('Your session has ended: log in again.');
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        for await (const message of messagesOf(response.body)) {
          if (message.event === 'ready') {
            backoff = 500;
            handlers.onStatus('live');
          } else if (message.event === 'order-event') handlers.onEvent(JSON.parse(message.data));
          else if (message.event === 'gap') handlers.onGap(JSON.parse(message.data).dropped);
          else if (message.event === 'expired') return logOut('Your session has ended: log in again.');
        }
      } catch {
        // dropped connection, server restart: reconnect below
      }
      if (stopped) return;
      handlers.onStatus('offline');
      await new Promise((resume) => setTimeout(resume, backoff));
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      connection?.abort();
    },
  };
}

/**
 * The messages of a text/event-stream body (the fields this server sends: event, data; comments skipped).
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ event: string, data: string }>}
 */
async function* messagesOf(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}
