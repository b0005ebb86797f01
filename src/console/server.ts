/**
 * The operators' console, served under /console: the page (static modules, read once at start) and the live feed
 * of order events as server-sent events. Everything else the page shows it reads from the services' public API
 * with the operator's token, so this server holds no data and no database connection.
 */
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import Type, { type Static } from 'typebox';
import type { EventFeed } from '../platform/messaging/index.ts';
import { AppError } from '../platform/common/index.ts';
import { type App, createDocsApp, createHttpApp, serverWithDocs } from '../platform/http/index.ts';
import { createMetrics, untraced } from '../platform/observability/index.ts';
import type { TokenVerifier } from '../platform/access/index.ts';
import { loadPageAssets } from './assets.ts';
import { createLiveFeed, type LiveFeedOptions } from './live-feed.ts';

/**
 * Scripts and styles only from the console's own files (no inline script, no eval), data only from this origin,
 * DOM writes only through text (Trusted Types: the page never parses HTML), no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface ConsoleOptions {
  feed: EventFeed;
  verifier: TokenVerifier;
  log: Logger;
  live?: LiveFeedOptions;
  /**
   * Whether the services export traces, which the page says rather than leave a trace column empty. By default,
   * whether OTEL_EXPORTER_OTLP_ENDPOINT is set in this process: the embedded default and the stack run the console
   * with the environment its services get.
   */
  tracing?: boolean;
  /**
   * Given, this server also answers /docs: a Swagger UI with these services' OpenAPI documents. The console
   * process serves it for Kubernetes, where no gateway does. Its own Fastify instance, so it keeps its own headers and the
   * console page keeps its strict Content-Security-Policy, which Swagger UI (inline styles, data: images, HTML it
   * renders from the documents' Markdown) would not work under.
   */
  docs?: readonly string[];
}

/** GET /console/settings: what the page shows of how the install is set up. */
const ConsoleSettings = Type.Object({
  tracing: Type.Boolean({
    description: 'Whether the services export traces (OTEL_EXPORTER_OTLP_ENDPOINT); without, an event has a trace id only if its caller sent a traceparent',
  }),
});

export interface ConsoleServer {
  app: App;
  /** Ends the live streams (they would hold the server open), then closes the app and its docs. */
  close(): Promise<void>;
}

export async function createConsoleServer(options: ConsoleOptions): Promise<ConsoleServer> {
  const log = options.log.child({ service: 'console' });
  const assets = await loadPageAssets();
  const live = createLiveFeed(options.feed, options.live);
  const settings = { tracing: options.tracing ?? Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT) };
  const metrics = createMetrics('console');
  metrics.pendingGauge('console_live_streams', 'Operators connected to the live feed', async () => live.clients());
  const docs = options.docs && (await createDocsApp(options.docs));
  await docs?.ready();
  const app = await createHttpApp(
    {
      service: 'console',
      description: "The operators' console: the page, and the live feed of order events (server-sent events).",
      log,
      metrics,
      health: { isReady: async () => options.feed.isReady(), settings: {} },
      access: { verifier: options.verifier },
      tracing: untraced,
      ...(docs && { serverFactory: serverWithDocs(docs) }),
    },
    (scoped) => consoleRoutes(scoped, { assets, live, settings }),
  );
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  await app.ready();
  return {
    app,
    async close() {
      live.close();
      await app.close();
      await docs?.close();
    },
  };
}

interface ConsoleParts {
  assets: Awaited<ReturnType<typeof loadPageAssets>>;
  live: ReturnType<typeof createLiveFeed>;
  settings: Static<typeof ConsoleSettings>;
}

function consoleRoutes(app: App, { assets, live, settings }: ConsoleParts): void {
  const page = { config: { access: 'anyone' as const }, schema: { hide: true } };
  const etag = `"${assets.version}"`;

  // The page itself: revalidated on every load (cheap: 304 by ETag), so a new version is picked up at once.
  app.get('/', page, async (request, reply) => {
    reply.header('cache-control', 'no-cache').header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(assets.html);
  });

  // Its modules and style sheet, under the version: immutable. An older version's URL (a page loaded before a
  // deploy) gets the current file, but not cached, so nothing stale is kept for a year.
  app.get('/assets/:version/*', page, async (request, reply) => {
    const { version, '*': path } = request.params as { version: string; '*': string };
    const asset = assets.files.get(path);
    if (!asset) throw new AppError({ status: 404, code: 'not-found', title: 'Not found', detail: `The console has no file ${path}.` });
    const current = version === assets.version;
    reply.header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.type(asset.type).send(asset.body);
  });

  app.get(
    '/settings',
    { config: { access: 'admin' }, schema: { tags: ['console'], summary: 'What the page shows of how the install is set up', response: { 200: ConsoleSettings } } },
    async () => settings,
  );

  app.get(
    '/live',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['console'],
        summary: 'The order events as they happen, as server-sent events (text/event-stream)',
        description:
          'Needs Authorization: Bearer (an admin token): the page reads it with fetch, not EventSource, which cannot send ' +
          'the header. Frames: ready, order-event (a CloudEvents envelope), gap (events dropped for a slow client), ' +
          'expired (the token ended; log in again), closing.',
        // 401, 403 and 503 (too many streams) are problem documents, as on every route behind a token.
        response: { 200: Type.String({ description: 'text/event-stream' }) },
      },
    },
    async (request, reply) => {
      if (!live.hasRoom()) {
        throw new AppError({ status: 503, code: 'too-many-streams', title: 'Service unavailable', detail: 'Too many live streams are open; close one or retry later.' });
      }
      const token = (request.headers.authorization ?? '').replace(/^Bearer +/i, '');
      const expiresAt = (decodeJwt(token).exp ?? 0) * 1000;
      reply.hijack();
      reply.raw.setHeader('x-correlation-id', request.id);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
      live.stream(reply.raw, expiresAt);
      request.log.info({ operator: request.caller?.userId, streams: live.clients() }, 'live feed opened');
    },
  );
}
