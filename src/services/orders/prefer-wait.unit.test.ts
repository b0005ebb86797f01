import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { preferredWait } from './prefer-wait.ts';

describe('Prefer: wait', () => {
  test('given no header, or preferences without wait, when it is read, then the client does not wait', () => {
    assert.equal(preferredWait(undefined), 0);
    assert.equal(preferredWait('return=minimal'), 0);
    assert.equal(preferredWait('handling=strict, respond-async'), 0);
  });

  test('given wait=N, when it is read, then N seconds, in any case, quoted or not, beside other preferences', () => {
    assert.equal(preferredWait('wait=10'), 10);
    assert.equal(preferredWait('WAIT = 7'), 7);
    assert.equal(preferredWait('wait="5"'), 5);
    assert.equal(preferredWait('respond-async, wait=3'), 3);
    assert.equal(preferredWait('return=minimal; wait=2'), 2);
  });

  test('given a wait longer than 30 seconds, when it is read, then it is capped at 30', () => {
    assert.equal(preferredWait('wait=3600'), 30);
    assert.equal(preferredWait('wait=999999'), 30);
    assert.equal(preferredWait('wait=12345678901234567890'), 30);
  });

  test('given something that only looks like wait, when it is read, then the client does not wait', () => {
    assert.equal(preferredWait('nowait=10'), 0);
    assert.equal(preferredWait('wait=-5'), 0);
    assert.equal(preferredWait('wait=ten'), 0);
    assert.equal(preferredWait('wait=10s'), 0);
    assert.equal(preferredWait('wait="5'), 0, 'an unclosed quote');
  });

  test('given the header twice (an array), when it is read, then it is ignored rather than guessed', () => {
    assert.equal(preferredWait(['wait=5', 'wait=6']), 0);
  });
});
