/**
 * GET /console/settings on the console's own app: whether the page may say "tracing off", from the option, or by
 * default from the process's OTEL_EXPORTER_OTLP_ENDPOINT (what the services of the embedded default and the stack get).
 * And /docs, which the console process serves on its own port for Kubernetes, where no gateway does.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import pino from 'pino';
import type { Caller, TokenVerifier } from '../platform/access/index.ts';
import type { EventFeed } from '../platform/messaging/index.ts';
import { serviceNames } from '../platform/runtime/index.ts';
import { CONTENT_SECURITY_POLICY, type ConsoleOptions, createConsoleServer } from './server.ts';

const operator: Caller = { userId: '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e61', email: 'ops@example.com', role: 'admin' };
const verifier: TokenVerifier = { verify: async () => operator };
const feed: EventFeed = { watch: () => () => {}, isReady: () => true };

async function settingsOf(options: Partial<ConsoleOptions>): Promise<unknown> {
  const server = await createConsoleServer({ feed, verifier, log: pino({ level: 'silent' }), ...options });
  try {
    const answer = await server.app.inject({ method: 'GET', url: '/console/settings', headers: { authorization: 'Bearer ops' } });
    assert.equal(answer.statusCode, 200);
    return answer.json();
  } finally {
    await server.close();
  }
}

describe('the console’s settings', () => {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  afterEach(() => {
    if (endpoint === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  });

  test('tracing is on where the process has an OTLP endpoint, off where it has none', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://otel-collector:4318';
    assert.deepEqual(await settingsOf({}), { tracing: true });
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    assert.deepEqual(await settingsOf({}), { tracing: false });
  });

  test('the option, given, wins over the environment', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://otel-collector:4318';
    assert.deepEqual(await settingsOf({ tracing: false }), { tracing: false });
  });
});

describe('the console process’s /docs (Kubernetes has no gateway to serve it)', () => {
  test('GET /docs on its port is the Swagger UI of the four services, without the console page’s CSP; the page keeps it', async () => {
    const server = await createConsoleServer({ feed, verifier, log: pino({ level: 'silent' }), docs: serviceNames });
    try {
      const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const page = await fetch(`${url}/docs`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('content-security-policy'), null, 'Swagger UI would not run under the console’s CSP');
      // The UI's settings, with the documents it lists, are in the script the page loads, as a browser reads them.
      const initializer = /src="([^"]*swagger-initializer\.js)"/.exec(await page.text())?.[1];
      assert.ok(initializer, 'the page loads swagger-initializer.js');
      const settings = await (await fetch(new URL(initializer, `${url}/docs`))).text();
      for (const service of serviceNames) assert.ok(settings.includes(`"/${service}/openapi.json"`), `/${service}/openapi.json is listed`);
      const consolePage = await fetch(`${url}/console`);
      assert.equal(consolePage.status, 200);
      assert.equal(consolePage.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    } finally {
      await server.close();
    }
  });
});
