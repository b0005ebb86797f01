import {
  ChargeCommandV1,
  OrderCancellationRequestedV1,
  OrderCreatedV1,
  RefundCommandV1,
  UserCreatedV1,
} from '../../contracts/events.ts';
import { appendToOutbox, type EventHandler, on } from '../../platform/messaging/index.ts';
import type { InteractionStyle } from '../../platform/runtime/index.ts';
import { chargeEvent, refundEvent } from './outcome-events.ts';
import { charge, refund } from './payment-use-cases.ts';
import { openAccountForNewUser } from './use-cases.ts';

// Keyed by account: an account is opened, and paid from, one event after another. A refund that does not name the
// account (a command from a client that left it out) is keyed by its payment.
const byAccount = { key: (data: { userId: string }) => data.userId };
const byAccountOrPayment = { key: (data: { userId?: string | undefined; paymentId: string }) => data.userId ?? data.paymentId };

/**
 * What billing reacts to through the broker. In events (style 3) it pays for the orders it hears of and gives back
 * what is cancelled; in the saga (style 4) it carries out orders' commands; in both it also carries out a refund
 * command (events uses one for a void that is not a cancellation). In http and hybrid billing is called instead.
 */
export function billingHandlers(style: InteractionStyle): EventHandler[] {
  if (style === 'http' || style === 'hybrid') return [];
  const refundOnCommand = on(
    RefundCommandV1,
    async (command, { tx, correlation }) => appendToOutbox(tx, [refundEvent(await refund(tx, command), correlation)]),
    byAccountOrPayment,
  );
  const accounts = on(UserCreatedV1, (user, { tx, correlation }) => openAccountForNewUser(tx, user, correlation), byAccount);
  if (style === 'saga') {
    return [
      accounts,
      on(ChargeCommandV1, async (command, { tx, correlation }) => appendToOutbox(tx, [chargeEvent(await charge(tx, command), correlation)]), byAccount),
      refundOnCommand,
    ];
  }
  return [
    accounts,
    on(
      OrderCreatedV1,
      async (order, { tx, correlation }) => {
        const outcome = await charge(tx, { paymentId: order.orderId, userId: order.userId, amount: order.price });
        appendToOutbox(tx, [chargeEvent(outcome, correlation)]);
      },
      byAccount,
    ),
    on(
      OrderCancellationRequestedV1,
      async (request, { tx, correlation }) => appendToOutbox(tx, [refundEvent(await refund(tx, { paymentId: request.orderId, userId: request.userId }), correlation)]),
      byAccount,
    ),
    refundOnCommand,
  ];
}
