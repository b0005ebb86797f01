import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STREAM_MAX_AGE_MS } from '../messaging/nats/index.ts';
import { ConfigError, ConsoleConfig, durationMs, EmbeddedConfig, loadConfig, operatorAccount, retentionOf, serviceProcessConfig } from './config.ts';
import { withoutPasswords } from './config-problems.ts';

const service = { DATABASE_URL: 'postgres://billing:secret@db:5432/billing', NATS_URL: 'nats://nats:4222', AUTH_JWKS_URL: 'http://users/users/.well-known/jwks.json' };

/** The message of the ConfigError a load throws. */
function problemsOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('the settings were accepted');
}

describe('configuration', () => {
  test('given only the required settings, when a service loads them, then the others take their defaults, converted to their types', () => {
    const config = loadConfig(serviceProcessConfig('billing'), service);
    assert.equal(config.PORT, 8080);
    assert.equal(config.NATS_STREAM_REPLICAS, 1);
    assert.equal(config.SHUTDOWN_TIMEOUT, '10s');
    assert.equal(loadConfig(serviceProcessConfig('billing'), { ...service, PORT: '9000', NATS_STREAM_REPLICAS: '3' }).PORT, 9000);
  });

  test('given several wrong settings, when they are loaded, then one error names each of them, with what was given and what is expected', () => {
    const error = (() => {
      try {
        loadConfig(serviceProcessConfig('billing'), { DATABASE_URL: 'mysql://x', PORT: 'abc', RETENTION_INBOX: 'a week' });
      } catch (caught) {
        return caught;
      }
    })();
    assert.ok(error instanceof ConfigError);
    for (const part of ['DATABASE_URL', '"mysql://x"', 'PORT', '"abc"', 'AUTH_JWKS_URL: is required', 'RETENTION_INBOX', '"a week"']) {
      assert.ok(error.message.includes(part), `${part} in:\n${error.message}`);
    }
  });

  test('given wrong settings, when they are loaded, then each is one line naming it and its allowed values, the literals of a union listed', () => {
    const message = problemsOf(() => loadConfig(EmbeddedConfig, { LOG_LEVEL: 'loud', PORT: 'abc', SHUTDOWN_TIMEOUT: '10', MESSAGE_BATCHING: 'maybe', OUTBOX_RELAY: 'x', NATS_URL: 'http://h' }));
    assert.deepEqual(message.split('\n'), [
      'PORT: must be an integer from 0 to 65535 (got "abc")',
      'NATS_URL: must be nats:// or tls:// URLs, comma-separated, e.g. nats://nats:4222 (got "http://h")',
      'SHUTDOWN_TIMEOUT: must be a whole number with a unit (ms, s, m, h or d), e.g. 500ms, 10s, 15m, 72h, 7d (got "10")',
      'OUTBOX_RELAY: must be one of on, paused (got "x")',
      'MESSAGE_BATCHING: must be one of on, off (got "maybe")',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  test('given a wrong secret, when it is explained, then the password is named but never shown, nor the password of a URL', () => {
    const password = 'tiny-pw';
    const message = problemsOf(() => loadConfig(serviceProcessConfig('users'), { ...service, DATABASE_URL: 'mysql://users:hunter2@db/users', AUTH_SIGNING_KEYS_FILE: 'k.json', ADMIN_PASSWORD: password }));
    assert.match(message, /^ADMIN_PASSWORD: must be 8 to 128 characters long$/m);
    assert.match(message, /DATABASE_URL: .*\(got "mysql:\/\/users:\*\*\*@db\/users"\)/);
    for (const secret of [password, 'hunter2']) assert.ok(!message.includes(secret), `${secret} in:\n${message}`);
    assert.equal(withoutPasswords('nats://a:b@n1:4222,nats://c:d@n2:4222'), 'nats://a:***@n1:4222,nats://c:***@n2:4222');
  });

  test('given the role of each service, when its settings are listed, then users needs the signing keys and the others the key set URL', () => {
    assert.ok('AUTH_SIGNING_KEYS_FILE' in serviceProcessConfig('users').properties);
    assert.ok(!('AUTH_JWKS_URL' in serviceProcessConfig('users').properties));
    for (const name of ['billing', 'orders', 'notifications'] as const) {
      assert.ok('AUTH_JWKS_URL' in serviceProcessConfig(name).properties);
      assert.ok(!('AUTH_SIGNING_KEYS_FILE' in serviceProcessConfig(name).properties));
    }
  });

  test('given no HOST, when any process loads its settings, then its listener binds 127.0.0.1: this machine only', () => {
    const consoleSettings = { NATS_URL: service.NATS_URL, AUTH_JWKS_URL: service.AUTH_JWKS_URL };
    for (const config of [loadConfig(EmbeddedConfig, {}), loadConfig(serviceProcessConfig('billing'), service), loadConfig(ConsoleConfig, consoleSettings)]) {
      assert.equal(config.HOST, '127.0.0.1');
    }
    assert.equal(loadConfig(serviceProcessConfig('billing'), { ...service, HOST: '0.0.0.0' }).HOST, '0.0.0.0');
    assert.throws(() => loadConfig(EmbeddedConfig, { HOST: 'http://x/' }), /HOST: must be an IP address or a host name/);
  });

  test('durations are written with a unit', () => {
    assert.deepEqual(['500ms', '10s', '15m', '72h', '7d'].map(durationMs), [500, 10_000, 900_000, 259_200_000, 604_800_000]);
    assert.throws(() => durationMs('10'), ConfigError);
  });

  test('given the default retention, when it is compared with how long the NATS streams keep events, then inbox ids outlive every event a stream can still deliver', () => {
    const retention = retentionOf(loadConfig(EmbeddedConfig, {}));
    assert.ok(retention.inbox > STREAM_MAX_AGE_MS, `inbox ${retention.inbox} ms against streams ${STREAM_MAX_AGE_MS} ms`);
    assert.ok(retention.idempotencyKeys >= 24 * 3_600_000, 'clients retry within a day');
  });

  test('given MESSAGE_BATCHING, when it is loaded, then it is on by default, and anything but on or off is refused', () => {
    assert.equal(loadConfig(EmbeddedConfig, {}).MESSAGE_BATCHING, 'on');
    assert.equal(loadConfig(EmbeddedConfig, { MESSAGE_BATCHING: 'off' }).MESSAGE_BATCHING, 'off');
    assert.throws(() => loadConfig(EmbeddedConfig, { MESSAGE_BATCHING: 'maybe' }), /MESSAGE_BATCHING/);
  });

  test('the operator account is both settings or neither', () => {
    assert.equal(operatorAccount({}), undefined);
    assert.deepEqual(operatorAccount({ ADMIN_EMAIL: 'op@example.com', ADMIN_PASSWORD: 'secret-pw' }), { email: 'op@example.com', password: 'secret-pw' });
    assert.throws(() => operatorAccount({ ADMIN_EMAIL: 'op@example.com' }), /set both, or neither/);
  });
});
