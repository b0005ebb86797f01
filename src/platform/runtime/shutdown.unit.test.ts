import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { closingReserveMs, ShutdownIncomplete, stopWithin } from './shutdown.ts';

const log = pino({ level: 'silent' });

describe('a bounded stop', () => {
  test('given tasks that finish in time, when the process stops, then every drain task runs, then every close task, and it resolves', async () => {
    const done: string[] = [];
    await stopWithin(1_000, log, {
      drain: { requests: async () => void done.push('requests'), events: async () => void done.push('events') },
      close: ({ cut }) => ({ pool: async () => void done.push(`pool (cut: ${cut})`) }),
    });
    assert.deepEqual(done, ['requests', 'events', 'pool (cut: false)']);
  });

  test('given a drain task that hangs, when the deadline comes, then the closing still happens, told it was cut, and the error names the task', async () => {
    const closed: boolean[] = [];
    const stop = stopWithin(200, log, {
      drain: { 'billing event handling': () => new Promise(() => {}), requests: async () => {} },
      close: ({ cut }) => ({ pool: async () => void closed.push(cut) }),
    });
    await assert.rejects(stop, (error: Error) => error instanceof ShutdownIncomplete && /waiting any longer for: billing event handling\. /.test(error.message));
    assert.deepEqual(closed, [true]);
  });

  test('given a task that fails, when the process stops, then the others still finish and the stop is complete', async () => {
    const done: string[] = [];
    await stopWithin(1_000, log, {
      drain: {
        broken: async () => Promise.reject(new Error('x')),
        fine: async () => {
          await sleep(5);
          done.push('fine');
        },
      },
      close: () => ({}),
    });
    assert.deepEqual(done, ['fine']);
  });

  test('given the deadline, when the time kept for closing is asked, then it is a quarter of it, at most 2 s', () => {
    assert.equal(closingReserveMs(4_000), 1_000);
    assert.equal(closingReserveMs(60_000), 2_000);
  });
});
