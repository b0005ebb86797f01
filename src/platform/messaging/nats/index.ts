/**
 * NATS JetStream, the production bus: one stream per publishing service, a durable pull consumer per consuming
 * service, and a live view of the subjects for the console. Loaded only where NATS_URL is set, so the NATS client is
 * not part of the embedded default's memory.
 */
export { connectNatsBus, type NatsBusOptions } from './bus.ts';
export { connectWatched, type WatchedNatsConnection } from './connection.ts';
export { connectNatsFeed } from './feed.ts';
export { STREAM_MAX_AGE_MS, type StreamSpec, streamsOf } from './streams.ts';
