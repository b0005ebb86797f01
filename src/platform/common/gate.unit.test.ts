import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGate } from './gate.ts';

test('given a gate, when it is closed, then work waits at it until it opens, and passes at once while it is open', async () => {
  const gate = createGate();
  const passed: string[] = [];
  await gate.pass().then(() => passed.push('open'));
  gate.close();
  gate.close();
  const waiting = gate.pass().then(() => passed.push('after opening'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(passed, ['open']);
  assert.equal(gate.isClosed(), true);
  gate.open();
  await waiting;
  assert.deepEqual(passed, ['open', 'after opening']);
  assert.equal(gate.isClosed(), false);
});
