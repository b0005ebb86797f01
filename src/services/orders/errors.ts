import { AppError } from '../../platform/common/index.ts';
import type { Order } from './contract.ts';

export const userFilterRequired = () =>
  new AppError({
    status: 400,
    code: 'filter-required',
    title: 'Say whose orders',
    detail: 'Give ?userId= with your own id (only an operator may list every order).',
    extensions: { errors: [{ field: 'querystring.userId', message: 'is required' }] },
  });

export const orderNotFound = (orderId: string) =>
  new AppError({ status: 404, code: 'order-not-found', title: 'Order not found', detail: `There is no order ${orderId}.` });

/** http styles: billing did not answer the payment in time. The order is rejected; retrying places a new one. */
export const billingUnavailable = (order: Order) =>
  new AppError({
    status: 503,
    code: 'billing-unavailable',
    title: 'Billing is unavailable',
    detail: `Billing did not answer in time, so order ${order.id} was rejected and nothing is charged for it in the end. Try again shortly (with a new Idempotency-Key: the same key answers with this order).`,
    extensions: { order },
    headers: { 'retry-after': '2' },
  });
