import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { composeOrderLetter } from './letters.ts';

const orderId = '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f';

describe('the letter of an order', () => {
  test('given a paid order, when its letter is composed, then it thanks the user by name and names the order and its price in roubles', () => {
    const letter = composeOrderLetter({ orderId, kind: 'order_paid', price: 250_050 }, 'Ann');
    assert.equal(letter.subject, `Order ${orderId} is paid`);
    assert.match(letter.body, /^Hello, Ann!/);
    assert.ok(letter.body.includes(orderId));
    assert.ok(letter.body.includes('2,500.50 RUB'));
  });

  test('given an order rejected for lack of money, when its letter is composed, then it says so and that nothing was charged', () => {
    const letter = composeOrderLetter({ orderId, kind: 'order_rejected', price: 99, reason: 'insufficient_funds' }, 'Bob');
    assert.equal(letter.subject, `Order ${orderId} could not be paid`);
    assert.ok(letter.body.includes('0.99 RUB'));
    assert.ok(letter.body.includes('not enough money'));
    assert.ok(letter.body.endsWith('Nothing was charged.'));
  });

  test('given an order rejected because the user had no account yet, when its letter is composed, then it says that instead', () => {
    const letter = composeOrderLetter({ orderId, kind: 'order_rejected', price: 100, reason: 'account_not_found' }, 'Cy');
    assert.ok(letter.body.includes('you have no account yet'));
    assert.ok(!letter.body.includes('not enough money'));
  });

  test('given a kind that is no order outcome, when a letter is composed, then it is an error rather than an empty letter', () => {
    assert.throws(() => composeOrderLetter({ orderId, kind: 'message' as never, price: 1 }, 'Di'), /no letter for message/);
  });
});
