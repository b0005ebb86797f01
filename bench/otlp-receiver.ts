import { createServer, type Server } from 'node:http';

export interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

/**
 * An OTLP/HTTP (JSON) trace receiver: what a collector would get, kept in memory. The tracing test reads the spans;
 * the bench (--traces) measures what exporting them costs the services.
 */
export async function startOtlpReceiver(options: { keep?: boolean } = {}): Promise<{ url: string; spans: ReceivedSpan[]; received(): number; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  let received = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resource of body.resourceSpans ?? []) {
        const service = resource.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value.stringValue;
        for (const scope of resource.scopeSpans ?? []) {
          received += scope.spans?.length ?? 0;
          if (options.keep === false) continue;
          for (const span of scope.spans ?? []) spans.push({ service, name: span.name, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '' });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, spans, received: () => received, close: () => new Promise((done) => server.close(() => done())) };
}
