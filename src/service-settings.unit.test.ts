import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkStyleSettings } from './service-settings.ts';

const message = (check: () => void) => {
  try {
    check();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('what each style requires of a service process', () => {
  test('given a style with a broker, when NATS_URL is missing, then it is named', () => {
    for (const style of ['events', 'hybrid', 'saga'] as const) {
      assert.match(message(() => checkStyleSettings('billing', { INTERACTION_STYLE: style })), /NATS_URL: is required/);
    }
  });

  test('given the http style, when NATS_URL is missing, then nothing is asked for it, but the service key and the addresses of the callees are', () => {
    const text = message(() => checkStyleSettings('orders', { INTERACTION_STYLE: 'http' }));
    assert.doesNotMatch(text, /NATS_URL/);
    for (const setting of ['SERVICE_SIGNING_KEY', 'BILLING_INTERNAL_URL', 'NOTIFICATIONS_INTERNAL_URL']) assert.match(text, new RegExp(`${setting}: is required`));
  });

  test('given the hybrid style, when orders starts, then it needs billing only; notifications is reached through the broker', () => {
    const text = message(() => checkStyleSettings('orders', { INTERACTION_STYLE: 'hybrid', NATS_URL: 'nats://n:4222', SERVICE_SIGNING_KEY: '{}' }));
    assert.match(text, /BILLING_INTERNAL_URL/);
    assert.doesNotMatch(text, /NOTIFICATIONS_INTERNAL_URL/);
  });

  test('given a called service in the http style, when it has the service key, then it needs nothing else (it calls nobody)', () => {
    assert.equal(message(() => checkStyleSettings('billing', { INTERACTION_STYLE: 'http', SERVICE_SIGNING_KEY: '{}' })), '');
    assert.match(message(() => checkStyleSettings('billing', { INTERACTION_STYLE: 'http' })), /SERVICE_SIGNING_KEY/);
  });

  test('given the events style with NATS, when checked, then nothing more is required', () => {
    assert.equal(message(() => checkStyleSettings('orders', { INTERACTION_STYLE: 'events', NATS_URL: 'nats://n:4222' })), '');
  });
});
