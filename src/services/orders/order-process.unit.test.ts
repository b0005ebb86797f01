import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Decision, decide, isFinal, type OrderMessage, type OrderState } from './order-process.ts';

const pending: OrderState = { status: 'pending' };
const paid: OrderState = { status: 'paid' };
const cancelling: OrderState = { status: 'cancelling' };
const rejected: OrderState = { status: 'rejected', reason: 'insufficient_funds' };
const timedOut: OrderState = { status: 'rejected', reason: 'payment_timeout' };
const cancelled: OrderState = { status: 'cancelled', reason: 'cancelled_by_user', refunded: true };

const all: OrderMessage[] = [
  { kind: 'charged' },
  { kind: 'refused', reason: 'insufficient_funds' },
  { kind: 'refused', reason: 'cancelled' },
  { kind: 'refunded' },
  { kind: 'voided' },
  { kind: 'cancel' },
  { kind: 'deadline' },
  { kind: 'unreachable' },
];

/** Plays messages from a state; returns the final state and every effect, in order. */
function play(state: OrderState, messages: OrderMessage[]) {
  const effects: unknown[] = [];
  for (const message of messages) {
    const decision: Decision = decide(state, message);
    if (decision.kind === 'change') {
      state = decision.next;
      effects.push(...decision.effects);
    }
  }
  return { state, effects };
}

describe('a pending order', () => {
  test('given a pending order, when billing charged it, then it is paid and that is announced', () => {
    assert.deepEqual(decide(pending, { kind: 'charged' }), { kind: 'change', next: paid, effects: [{ kind: 'announce', status: 'paid' }] });
  });

  test('given a pending order, when billing refused it, then it is rejected with the reason and that is announced', () => {
    assert.deepEqual(decide(pending, { kind: 'refused', reason: 'account_not_found' }), {
      kind: 'change',
      next: { status: 'rejected', reason: 'account_not_found' },
      effects: [{ kind: 'announce', status: 'rejected' }],
    });
  });

  test('given a pending order, when the owner cancels, then it is cancelling and billing is asked to give back or void', () => {
    assert.deepEqual(decide(pending, { kind: 'cancel' }), { kind: 'change', next: cancelling, effects: [{ kind: 'refund', cause: 'cancelled_by_user' }] });
  });

  test('given a pending saga order, when the deadline passes, then it is rejected as payment_timeout and the payment is given back or voided', () => {
    assert.deepEqual(decide(pending, { kind: 'deadline' }), {
      kind: 'change',
      next: timedOut,
      effects: [{ kind: 'announce', status: 'rejected' }, { kind: 'refund', cause: 'payment_timeout' }],
    });
  });

  test('given a pending order, when billing cannot be reached, then it is rejected as billing_unavailable and the payment is voided or given back', () => {
    const decision = decide(pending, { kind: 'unreachable' });
    assert.equal(decision.kind === 'change' && decision.next.reason, 'billing_unavailable');
    assert.deepEqual(decision.kind === 'change' && decision.effects.at(-1), { kind: 'refund', cause: 'billing_unavailable' });
  });

  test('given a pending order, when a refund answer or a cancelled refusal comes (before the cancellation that caused it was seen), then nothing changes', () => {
    for (const message of [{ kind: 'refunded' }, { kind: 'voided' }, { kind: 'refused', reason: 'cancelled' }] as OrderMessage[]) {
      assert.deepEqual(decide(pending, message), { kind: 'ignore' });
    }
  });
});

describe('a paid order', () => {
  test('given a paid order, when the owner cancels, then it is cancelling and billing is asked for a refund', () => {
    assert.deepEqual(decide(paid, { kind: 'cancel' }), { kind: 'change', next: cancelling, effects: [{ kind: 'refund', cause: 'cancelled_by_user' }] });
  });

  test('given a paid order, when the charge is answered again or anything else comes, then nothing changes', () => {
    for (const message of all.filter((m) => m.kind !== 'cancel')) assert.deepEqual(decide(paid, message), { kind: 'ignore' }, message.kind);
  });
});

describe('a cancelling order', () => {
  test('given a cancelling order, when billing refunded, then it is cancelled with its money back, announced', () => {
    assert.deepEqual(decide(cancelling, { kind: 'refunded' }), { kind: 'change', next: cancelled, effects: [{ kind: 'announce', status: 'cancelled' }] });
  });

  test('given a cancelling order, when billing voided (never charged), then it is cancelled without a refund, announced', () => {
    assert.deepEqual(decide(cancelling, { kind: 'voided' }), {
      kind: 'change',
      next: { status: 'cancelled', reason: 'cancelled_by_user', refunded: false },
      effects: [{ kind: 'announce', status: 'cancelled' }],
    });
  });

  test('given a cancelling order, when the in-flight charge is answered (either way), cancelled again, or timed out, then it waits for the refund answer', () => {
    for (const message of [{ kind: 'charged' }, { kind: 'refused', reason: 'insufficient_funds' }, { kind: 'cancel' }, { kind: 'deadline' }, { kind: 'unreachable' }] as OrderMessage[]) {
      assert.deepEqual(decide(cancelling, message), { kind: 'ignore' }, message.kind);
    }
  });
});

describe('final orders', () => {
  test('given a rejected or cancelled order, when the owner cancels, then it is refused as not cancellable', () => {
    for (const state of [rejected, timedOut, cancelled]) assert.deepEqual(decide(state, { kind: 'cancel' }), { kind: 'refuse', code: 'not-cancellable' });
  });

  test('given a rejected or cancelled order, when a late or duplicated answer comes, then nothing changes', () => {
    for (const state of [rejected, timedOut, cancelled]) {
      for (const message of all.filter((m) => m.kind !== 'cancel')) assert.deepEqual(decide(state, message), { kind: 'ignore' }, `${state.status} + ${message.kind}`);
    }
  });
});

describe('whole stories', () => {
  test('given a cancellation right after the order, when the charge and the refund come in either order and twice, then it ends cancelled, announced once, never paid', () => {
    for (const answers of [
      [{ kind: 'charged' }, { kind: 'refunded' }],
      [{ kind: 'voided' }, { kind: 'refused', reason: 'cancelled' }],
      [{ kind: 'charged' }, { kind: 'charged' }, { kind: 'refunded' }, { kind: 'refunded' }],
    ] as OrderMessage[][]) {
      const { state, effects } = play(pending, [{ kind: 'cancel' }, ...answers, { kind: 'cancel' }]);
      assert.equal(state.status, 'cancelled');
      assert.deepEqual(effects, [{ kind: 'refund', cause: 'cancelled_by_user' }, { kind: 'announce', status: 'cancelled' }]);
    }
  });

  test('given a saga order that timed out, when the charge lands late and then the refund, then it stays rejected and nothing more is announced', () => {
    const { state, effects } = play(pending, [{ kind: 'deadline' }, { kind: 'charged' }, { kind: 'refunded' }]);
    assert.deepEqual(state, timedOut);
    assert.equal(effects.filter((e) => (e as { kind: string }).kind === 'announce').length, 1);
  });

  test('given each status, when a waiting client asks whether the order is final, then paid, rejected and cancelled are', () => {
    assert.deepEqual(
      (['pending', 'paid', 'rejected', 'cancelling', 'cancelled'] as const).map(isFinal),
      [false, true, true, false, true],
    );
  });
});
