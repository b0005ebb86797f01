/** The stack's gateway forwards each prefix to the replicas of its service over HTTP, as the ingress does in Kubernetes. */
import { type Agent, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, request } from 'node:http';
import type { Logger } from 'pino';
import type { Upstream } from '../../src/platform/http/index.ts';

/** One replica the gateway may forward to. */
export interface ProxyTarget {
  port: number;
  isRunning(): boolean;
  /** When it last refused a connection (epoch ms): it is then tried last for a while. */
  failedAt: number;
}

/** After a refused connection a replica is tried last for this long. */
const FAILED_REPLICA_COOLDOWN_MS = 1_000;

/**
 * The gateway's upstream for one service: round-robin over its replicas, streaming both ways. A replica that refuses
 * the connection is skipped for the next one, even for a POST: nothing of the request has been sent to it.
 */
export function forwardTo(service: string, targets: ProxyTarget[], agent: Agent, log: Logger): Upstream {
  let turn = 0;
  return (req, res) => {
    const now = Date.now();
    const start = turn++ % targets.length;
    const rotated = [...targets.slice(start), ...targets.slice(0, start)];
    // Replicas that run and did not just refuse a connection first; the others as a last resort.
    const healthy = (r: ProxyTarget) => r.isRunning() && now - r.failedAt > FAILED_REPLICA_COOLDOWN_MS;
    const order = [...rotated.filter(healthy), ...rotated.filter((r) => !healthy(r))];
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    attempt(0);

    function attempt(i: number): void {
      const target = order[i];
      if (!target) {
        req.resume();
        sendProblem(res, { status: 503, code: 'unavailable', title: 'Service unavailable', detail: `No replica of ${service} answers; retry shortly.`, instance: req.url });
        return;
      }
      let sent = false;
      const upstream = request({
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent,
      });
      const send = () => {
        sent = true;
        if (hasBody) req.pipe(upstream);
        else upstream.end();
      };
      // The body is streamed only once the replica accepted the connection: a refused one can be retried elsewhere.
      upstream.once('socket', (socket) => (socket.connecting ? socket.once('connect', send) : send()));
      upstream.once('response', (response) => {
        res.writeHead(response.statusCode ?? 502, withoutHopByHop(response.headers));
        response.pipe(res);
      });
      upstream.once('error', (error) => {
        const retryable = !res.headersSent && (!sent || !hasBody);
        if (retryable) {
          if (!sent) target.failedAt = Date.now();
          attempt(i + 1);
          return;
        }
        log.warn({ err: error, service, port: target.port }, 'replica failed mid-request');
        if (!res.headersSent) {
          sendProblem(res, { status: 502, code: 'bad-gateway', title: 'Bad gateway', detail: `The ${service} replica failed while answering; retry shortly.`, instance: req.url });
        } else {
          res.destroy();
        }
      });
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
    }
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function forwardedHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  return {
    ...withoutHopByHop(req.headers),
    ...(req.headers['transfer-encoding'] ? { 'transfer-encoding': 'chunked' } : {}),
    'x-forwarded-for': forwardedFor,
    'x-forwarded-proto': 'http',
    ...(req.headers.host ? { 'x-forwarded-host': req.headers.host } : {}),
  };
}

interface GatewayProblem {
  status: number;
  code: string;
  title: string;
  detail: string;
  instance?: string;
}

function sendProblem(res: ServerResponse, { status, code, title, detail, instance }: GatewayProblem): void {
  const body = JSON.stringify({ type: `urn:streamshop:problem:${code}`, title, status, detail, code, ...(instance ? { instance } : {}) });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'retry-after': '1' });
  res.end(body);
}
