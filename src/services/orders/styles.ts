/**
 * How orders asks billing for a payment and tells the world about an order, in each interaction style. The process
 * (order-process.ts) is the same in all four; a style only chooses the means: events through the outbox (events),
 * commands with a deadline (saga), internal calls (http, hybrid).
 */
import type { Logger } from 'pino';
import type { Database, Tx } from '../../platform/database/index.ts';
import type { InternalClient } from '../../platform/http/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { InteractionStyle } from '../../platform/runtime/index.ts';
import { eventsStyle, sagaStyle } from './broker-styles.ts';
import type { Order } from './contract.ts';
import { httpStyle } from './http-styles.ts';
import type { Effect, OrderState } from './order-process.ts';
import type { FollowUp, OrderRecord } from './repository.ts';

/** The order an effect is about, as it is now, and the state just decided. */
export interface EffectTarget {
  order: Order;
  next: OrderState;
}

export interface OrdersStyle {
  name: InteractionStyle;
  /** What placement writes with a new order: a follow-up already scheduled, and the saga's deadline (PAYMENT_DEADLINE). */
  placing(now: Date, deadlineMs: number): { followUp?: FollowUp; deadlineAt?: Date };
  /** In the placing transaction: what goes out with the new orders (an event, a command). */
  placed(tx: Tx, orders: { order: Order; correlation: Correlation }[]): void;
  /** After the placing commit (http styles): ask billing now; answers with the order as it is then. */
  afterPlaced?(order: Order, correlation: Correlation): Promise<Order>;
  /** Carries out an effect in the transaction that decided it; 'after-commit' when it must wait for the commit. */
  inTransaction(tx: Tx, target: EffectTarget, effect: Effect, correlation: Correlation): Promise<undefined | 'after-commit'>;
  /** Carries out the effects left for after the commit (internal calls, and what their answers decide). */
  afterCommit(order: Order, effects: Effect[], correlation: Correlation): Promise<void>;
  /** The process timer's work on one due order, in the timer's transaction (the order is locked); returns effects for after its commit. */
  followUp(tx: Tx, record: OrderRecord): Promise<{ order: Order; afterCommit: Effect[] }>;
}

/** What the http styles' calls need; the broker styles need nothing but the transaction. */
export interface StyleDeps {
  db: Database;
  calls: InternalClient;
  log: Logger;
  /** http style: letters notifications could not take (there is no outbox to keep them in). */
  lettersLost: { inc(): void };
}

export function ordersStyle(style: InteractionStyle, deps: StyleDeps): OrdersStyle {
  switch (style) {
    case 'events':
      return eventsStyle();
    case 'saga':
      return sagaStyle();
    case 'http':
    case 'hybrid':
      return httpStyle(style, deps);
    default: {
      const unknown: never = style;
      throw new Error(`no orders style ${unknown}`);
    }
  }
}

/** The correlation of work the process starts by itself (a follow-up), so its log lines and events can be found together. */
export const followUpCorrelation = (orderId: string): Correlation => ({ correlationId: `follow-up-${orderId}` });
