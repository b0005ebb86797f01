import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideCharge, decideRefund, type Payment, type PaymentStatus } from './payments.ts';

const payment = (status: PaymentStatus): Payment => ({ paymentId: 'p', userId: 'u', amount: 100, status, ...(status === 'refused' ? { refusal: 'insufficient_funds' } : {}) });

describe('a charge', () => {
  test('given a payment never seen, when it is charged, then the money is taken (or refused for lack of it)', () => {
    assert.equal(decideCharge(undefined), 'charge');
  });

  test('given a payment charged or refused before, when the charge comes again, then the first answer is given again and nothing moves', () => {
    assert.equal(decideCharge(payment('charged')), 'answer-again');
    assert.equal(decideCharge(payment('refused')), 'answer-again');
  });

  test('given a payment refunded or voided before its charge arrived, when the charge comes, then it is refused as cancelled', () => {
    assert.equal(decideCharge(payment('refunded')), 'refuse-cancelled');
    assert.equal(decideCharge(payment('voided')), 'refuse-cancelled');
  });
});

describe('a refund', () => {
  test('given a charged payment, when it is refunded, then the money goes back', () => {
    assert.equal(decideRefund(payment('charged')), 'refund');
  });

  test('given a payment never charged (unknown or refused), when it is refunded, then it is voided so that a later charge is refused', () => {
    assert.equal(decideRefund(undefined), 'void');
    assert.equal(decideRefund(payment('refused')), 'void');
  });

  test('given a payment given back or voided before, when the refund comes again, then the first answer is given again', () => {
    assert.equal(decideRefund(payment('refunded')), 'answer-again');
    assert.equal(decideRefund(payment('voided')), 'answer-again');
  });

  test('given any order of charges and refunds, when they all arrive, then at most one charge and at most one refund move money, and none after a void', () => {
    // Play every order of [charge, refund, charge, refund] against the decisions, tracking money moved.
    const orders = [['charge', 'refund'], ['refund', 'charge'], ['charge', 'charge', 'refund', 'refund'], ['refund', 'refund', 'charge', 'charge']];
    for (const sequence of orders) {
      let known: Payment | undefined;
      let balance = 0;
      for (const step of sequence) {
        if (step === 'charge') {
          const decision = decideCharge(known);
          if (decision === 'charge') {
            balance -= 100;
            known = payment('charged');
          }
        } else {
          const decision = decideRefund(known);
          if (decision === 'refund') {
            balance += 100;
            known = payment('refunded');
          } else if (decision === 'void') known = payment('voided');
        }
      }
      assert.equal(balance, 0, `no net charge after ${sequence.join(', ')}`);
    }
  });
});
