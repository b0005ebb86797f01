import { bindingProblem, urlOf } from '../platform/common/index.ts';
import { ConsoleConfig, loadConfig, serviceNames } from '../platform/runtime/index.ts';
import { createLogger } from '../platform/observability/index.ts';
import { connectNatsFeed } from '../platform/messaging/nats/index.ts';
import { remoteTokenVerifier } from '../platform/access/index.ts';
import { createConsoleServer } from './server.ts';

const CONSOLE_SHUTDOWN_MS = 10_000;

/** Without a broker (the http style) there is nothing to watch: the feed stays empty. */
const noLiveFeed = { watch: () => () => {}, isReady: () => true, close: async () => {} };

/**
 * `streamshop console`: the operators' console alone, as the image runs it in Kubernetes (a Deployment of its own,
 * behind the ingress path /console), and the Swagger UI behind /docs, which the gateway serves locally. Returns
 * the stop function: the live streams end (the page reconnects to another replica), then the HTTP server and the
 * NATS connection close.
 */
export async function startConsoleProcess(): Promise<{ stop(): Promise<void>; shutdownTimeoutMs: number }> {
  const config = loadConfig(ConsoleConfig);
  const log = createLogger(config.LOG_LEVEL, 'console');
  const feed = config.NATS_URL ? await connectNatsFeed({ servers: config.NATS_URL, name: 'console', log }) : noLiveFeed;
  try {
    const server = await createConsoleServer({ feed, verifier: remoteTokenVerifier(config.AUTH_JWKS_URL), log, docs: serviceNames });
    const binding = { setting: 'PORT', port: config.PORT, host: config.HOST };
    await server.app.listen({ port: binding.port, host: binding.host }).catch((error: unknown) => {
      throw bindingProblem(error, binding) ?? error;
    });
    const url = urlOf(server.app.server.address());
    log.info({ url }, 'listening');
    console.log(`streamshop console (pid ${process.pid}) listens on ${url}/console — ready at /console/health/ready`);
    // Nothing in flight is worth waiting for: the live streams end at once, and the page reconnects.
    const stop = async () => {
      await server.close();
      await feed.close();
    };
    return { stop, shutdownTimeoutMs: CONSOLE_SHUTDOWN_MS };
  } catch (error) {
    await feed.close().catch(() => {});
    throw error;
  }
}
