/**
 * Traces with OpenTelemetry, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, off otherwise.
 *
 * The trace context travels explicitly, as the W3C `traceparent` of a flow (an HTTP request's, then each event's
 * envelope): a span is started with the traceparent it continues, and what it causes carries the span's own. So no
 * context manager is needed, and with tracing off nothing is created at all.
 */
import { type Attributes, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export { SpanKind };

/** A started span: its traceparent for what it causes, and its end. */
export interface OpenSpan {
  traceparent: string;
  traceId: string;
  spanId: string;
  end(outcome?: { error?: unknown; attributes?: Attributes }): void;
}

export interface Tracing {
  /** A span continuing `parent` (a W3C traceparent; a new trace without one); undefined while tracing is off. */
  start(name: string, kind: SpanKind, parent: string | undefined, attributes?: Attributes): OpenSpan | undefined;
  /** Sends what is still buffered. */
  shutdown(): Promise<void>;
}

/** No spans at all: what a service gets without a collector, and what maintenance commands use. */
export const untraced: Tracing = { start: () => undefined, shutdown: async () => {} };
const propagator = new W3CTraceContextPropagator();
const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };

/** One service's traces, named after it in every backend (Jaeger shows users, billing, orders, notifications). */
export function createTracing(service: string, endpoint: string | undefined): Tracing {
  if (!endpoint) return untraced;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'streamshop' }),
    // Spans are sent in the background, a batch every second at most, never on the request's path.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), scheduledDelayMillis: 1_000 })],
  });
  const tracer: Tracer = provider.getTracer('streamshop');
  return {
    start(name, kind, parent, attributes) {
      const context = parent ? propagator.extract(ROOT_CONTEXT, { traceparent: parent }, getter) : ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind, ...(attributes ? { attributes } : {}) }, context);
      const { traceId, spanId, traceFlags } = span.spanContext();
      return {
        traceparent: `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`,
        traceId,
        spanId,
        end(outcome = {}) {
          if (outcome.attributes) span.setAttributes(outcome.attributes);
          if (outcome.error !== undefined) {
            span.recordException(outcome.error instanceof Error ? outcome.error : String(outcome.error));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace and span a valid traceparent names, for log lines; undefined for anything else. */
export function traceIdsOf(traceparent: unknown): { traceId: string; spanId: string } | undefined {
  const match = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  return match ? { traceId: match[1] as string, spanId: match[2] as string } : undefined;
}
