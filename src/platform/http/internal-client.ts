/**
 * Calls to other services' internal endpoints (the http and hybrid styles): undici with kept-alive connections, a
 * service credential on every call, the flow's correlation id and traceparent passed on, a timeout per try and a
 * budget for all tries, and metrics of each. Only idempotent endpoints are called this way, so a try that got no
 * answer may be made again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { ServiceCredentials } from '../access/index.ts';
import { backoffDelay } from '../common/index.ts';
import type { Correlation } from '../messaging/index.ts';
import type { ServiceMetrics } from '../observability/index.ts';

export interface InternalCall {
  /** What the call does, for metrics and logs (e.g. `billing.charge`). */
  operation: string;
  method: 'POST' | 'PUT';
  path: string;
  body?: unknown;
  correlation: Correlation;
  /** How long one try may take (default 2 s), and all tries together (default 5 s). */
  timeoutMs?: number;
  budgetMs?: number;
}

export interface InternalAnswer<T = unknown> {
  status: number;
  body: T;
}

/** No answer within the budget: the callee is down, paused, or too slow. What it did meanwhile is unknown. */
export class ServiceUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnreachable';
  }
}

export interface InternalClient {
  call<T>(callee: string, call: InternalCall): Promise<InternalAnswer<T>>;
  close(): Promise<void>;
}

export interface InternalClientOptions {
  caller: string;
  /** The base URL of a service's internal listener (e.g. BILLING_INTERNAL_URL); undefined when it is not configured. */
  urlOf(callee: string): string | undefined;
  credentials: ServiceCredentials;
  metrics: ServiceMetrics;
}

const RETRY = { firstMs: 100, factor: 2, maxMs: 1_000 };

export function createInternalClient({ caller, urlOf, credentials, metrics }: InternalClientOptions): InternalClient {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });

  async function tryOnce<T>(callee: string, call: InternalCall, timeoutMs: number): Promise<InternalAnswer<T> | 'no-answer'> {
    const base = urlOf(callee);
    if (!base) throw new ServiceUnreachable(`${caller} has no address for ${callee}'s internal endpoints`);
    const headers: Record<string, string> = {
      authorization: `Bearer ${await credentials.tokenFor(caller, callee)}`,
      'x-correlation-id': call.correlation.correlationId,
      ...(call.correlation.traceparent ? { traceparent: call.correlation.traceparent } : {}),
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    try {
      const response = await agent.request({
        origin: base,
        path: call.path,
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.body.text();
      if (response.statusCode >= 500) return 'no-answer';
      return { status: response.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') metrics.internalCallTimeouts.inc({ callee, operation: call.operation });
      return 'no-answer';
    }
  }

  return {
    async call<T>(callee: string, call: InternalCall): Promise<InternalAnswer<T>> {
      const started = performance.now();
      const deadline = Date.now() + (call.budgetMs ?? 5_000);
      const observe = (outcome: string) => metrics.internalCallSeconds.observe({ callee, operation: call.operation, outcome }, (performance.now() - started) / 1000);
      for (let retry = 0; ; retry++) {
        const left = deadline - Date.now();
        const answer = left > 0 ? await tryOnce<T>(callee, call, Math.min(call.timeoutMs ?? 2_000, left)) : 'no-answer';
        if (answer !== 'no-answer') {
          observe(answer.status < 400 ? 'ok' : 'refused');
          return answer;
        }
        const pause = backoffDelay(RETRY, retry + 1);
        if (Date.now() + pause >= deadline) {
          observe('unreachable');
          throw new ServiceUnreachable(`${callee} did not answer ${call.operation} within ${call.budgetMs ?? 5_000} ms`);
        }
        metrics.internalCallRetries.inc({ callee, operation: call.operation });
        await sleep(pause);
      }
    },
    close: () => agent.close(),
  };
}
