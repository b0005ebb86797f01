import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bindingProblem, urlOf } from '../common/index.ts';
import { createDocsApp } from './docs.ts';
import { answerClientError } from './problems.ts';

/** How a request for one service's prefix is answered: in-process, or forwarded to its process. */
export type Upstream = (req: IncomingMessage, res: ServerResponse) => void;

export interface GatewayOptions {
  /** PORT: 0 picks a free one. */
  port: number;
  /** HOST: the address to bind. */
  host: string;
  /** The setting the port comes from, named when it is in use (PORT by default). */
  setting?: string;
  console?: Upstream;
}

/**
 * One port with the same paths as the Kubernetes ingress: /users, /billing, /orders and
 * /notifications go to their service, /console to the operators' console; /docs shows every service's OpenAPI document.
 */
export async function startGateway(
  upstreams: Record<string, Upstream>,
  options: GatewayOptions,
): Promise<{ server: Server; url: string; close(forceAfterMs?: number): Promise<void> }> {
  // What the services' apps do not answer (/, /docs, an unknown prefix) is answered by this app: problems alike.
  const docs = await createDocsApp(Object.keys(upstreams));
  docs.get('/', async () => ({
    services: Object.keys(upstreams).map((name) => ({ name, prefix: `/${name}`, openapi: `/${name}/openapi.json` })),
    docs: '/docs',
    ...(options.console ? { console: '/console' } : {}),
  }));
  await docs.ready();

  const server = createServer((req, res) => {
    const prefix = (req.url ?? '/').split(/[/?]/)[1] as string;
    const service = Object.hasOwn(upstreams, prefix) ? upstreams[prefix] : undefined;
    const upstream = service ?? (prefix === 'console' && options.console ? options.console : docs.routing.bind(docs));
    upstream(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  const binding = { setting: options.setting ?? 'PORT', port: options.port, host: options.host };
  await new Promise<void>((listening, fail) =>
    server.once('error', (error) => fail(bindingProblem(error, binding) ?? error)).listen(binding.port, binding.host, listening),
  );
  return {
    server,
    url: urlOf(server.address()),
    /** Stops accepting; idle keep-alive sockets are closed so in-flight requests can finish, and cut after `forceAfterMs`. */
    async close(forceAfterMs = 10_000) {
      const closed = new Promise((done) => server.close(done));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
      await closed;
      clearTimeout(force);
      await docs.close();
    },
  };
}
