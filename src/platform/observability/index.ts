/**
 * Seeing what runs: JSON log lines with the flow's correlation id (logger.ts), Prometheus metrics per service
 * (metrics.ts), and OpenTelemetry traces continued from each request and event (tracing.ts).
 */
export { createLogger, type Logger } from './logger.ts';
export { createMetrics, type ServiceMetrics } from './metrics.ts';
export { createTracing, type OpenSpan, SpanKind, type Tracing, traceIdsOf, untraced } from './tracing.ts';
