/**
 * GET /console/settings on the console's own app: whether the page may say "tracing off", from the option, or by
 * default from the process's OTEL_EXPORTER_OTLP_ENDPOINT (what the services of the embedded default and the stack get).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import pino from 'pino';
import type { Caller, TokenVerifier } from '../platform/access/index.ts';
import type { EventFeed } from '../platform/messaging/index.ts';
import { type ConsoleOptions, createConsoleServer } from './server.ts';

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
