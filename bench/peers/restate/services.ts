/**
 * The Restate peer's services, as Restate's docs teach them (docs.restate.dev: develop/ts/services,
 * foundations/services, develop/ts/state, develop/ts/service-communication): a workflow per order,
 * a virtual object per account and one per mailbox, their data in Restate's own K/V state.
 *
 * Why Restate's state and not a PostgreSQL: that is how its docs keep an account (a virtual object is
 * the single writer of its key, so "take the price only if the balance covers it" needs no lock), and
 * the state is durable like the journal (written to Restate's log before a handler's effects are
 * acknowledged). Keeping the business in a PostgreSQL would add a second store and make every write an
 * at-least-once `ctx.run` that has to be made idempotent by hand. The checks read the state back through
 * the admin API's SQL (bench/peers/restate/server.ts).
 *
 * One key holds one value: an order's letter is `letter:<orderId>` in its user's mailbox, so a second
 * letter for an order cannot exist by construction; a payment line is `line:<uuid>` in the account.
 */
import * as restate from '@restatedev/restate-sdk';
import { composeOrderLetter, type PeerOrder } from '../http.ts';

export interface LedgerLine {
  type: 'deposit' | 'withdrawal' | 'payment';
  amount: number;
  balanceAfter: number;
  orderId?: string;
}

export interface Letter {
  orderId: string;
  kind: 'order_paid' | 'order_rejected';
  subject: string;
  body: string;
  createdAt: number;
}

/** A line of the ledger under a deterministic random key (replays write the same one). */
const appendLine = (ctx: restate.ObjectContext, line: LedgerLine) => ctx.set(`line:${ctx.rand.uuidv4()}`, line);

export const account = restate.object({
  name: 'account',
  handlers: {
    open: async (ctx: restate.ObjectContext, email: string) => {
      if ((await ctx.get<number>('balance')) !== null) throw new restate.TerminalError('account exists', { errorCode: 409 });
      ctx.set('email', email);
      ctx.set('balance', 0);
    },
    /** Money in (amount > 0) or out (amount < 0, never below zero), with its ledger line. */
    move: async (ctx: restate.ObjectContext, amount: number) => {
      const balance = await ctx.get<number>('balance');
      if (balance === null) throw new restate.TerminalError('account not found', { errorCode: 404 });
      if (balance + amount < 0) throw new restate.TerminalError('not enough money', { errorCode: 409 });
      ctx.set('balance', balance + amount);
      appendLine(ctx, { type: amount > 0 ? 'deposit' : 'withdrawal', amount: Math.abs(amount), balanceAfter: balance + amount });
    },
    /** The payment: the price only if the balance covers it, and its ledger line; or why not. */
    pay: async (ctx: restate.ObjectContext, request: { orderId: string; price: number }): Promise<string | null> => {
      const balance = await ctx.get<number>('balance');
      if (balance === null) return 'account_not_found';
      if (balance < request.price) return 'insufficient_funds';
      ctx.set('balance', balance - request.price);
      appendLine(ctx, { type: 'payment', amount: request.price, balanceAfter: balance - request.price, orderId: request.orderId });
      return null;
    },
  },
});

export const mailbox = restate.object({
  name: 'mailbox',
  handlers: {
    write: async (ctx: restate.ObjectContext, letter: Letter) => {
      ctx.set(`letter:${letter.orderId}`, letter);
    },
  },
});

/** An order: pending, paid or refused by its account, final, its letter written; the answer is the final order. */
export const order = restate.workflow({
  name: 'order',
  handlers: {
    run: async (ctx: restate.WorkflowContext, request: { userId: string; price: number }): Promise<PeerOrder> => {
      const createdAt = new Date(await ctx.date.now()).toISOString();
      const pending = { id: ctx.key, userId: request.userId, price: request.price, currency: 'RUB' as const, createdAt };
      ctx.set('order', { ...pending, status: 'pending', updatedAt: createdAt });
      const reason = await ctx.objectClient(account, request.userId).pay({ orderId: ctx.key, price: request.price });
      const final: PeerOrder = {
        ...pending,
        status: reason ? 'rejected' : 'paid',
        ...(reason ? { reason } : {}),
        updatedAt: new Date(await ctx.date.now()).toISOString(),
      };
      ctx.set('order', final);
      const kind = reason ? 'order_rejected' : 'order_paid';
      const { subject, body } = composeOrderLetter({ orderId: ctx.key, kind, price: request.price, reason }, 'Bench User');
      await ctx.objectClient(mailbox, request.userId).write({ orderId: ctx.key, kind, subject, body, createdAt: await ctx.date.now() });
      return final;
    },
  },
});
