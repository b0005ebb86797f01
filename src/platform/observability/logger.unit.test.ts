import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.ts';

/** What a logger wrote, to a destination that says it is a terminal or not. */
function written(isTTY: boolean, log: (logger: ReturnType<typeof createLogger>) => void): string {
  let text = '';
  const destination = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  const logger = createLogger('info', 'streamshop', destination);
  log(logger);
  logger.flush();
  return text;
}

test('given a terminal, when a line is logged, then a person reads it: time, level, message and fields on one line, no JSON', () => {
  const text = written(true, (logger) => logger.info({ applied: 3 }, 'billing: database up to date (3 migrations applied)'));
  assert.equal(text.trimEnd().split('\n').length, 1, text);
  assert.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.* \(streamshop\): .*billing: database up to date \(3 migrations applied\).*"applied":3/);
  assert.throws(() => JSON.parse(text));
});

test('given anything but a terminal (a pipe, a file, a container), when a line is logged, then it is JSON, a secret redacted', () => {
  const text = written(false, (logger) => logger.info({ password: 'hunter22' }, 'login'));
  const line = JSON.parse(text) as Record<string, unknown>;
  assert.equal(line.msg, 'login');
  assert.equal(line.level, 30);
  assert.equal(line.password, '[redacted]');
});
