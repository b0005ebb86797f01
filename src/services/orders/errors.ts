import { AppError } from '../../platform/http/errors.ts';

export const orderNotFound = (orderId: string) =>
  new AppError(404, 'order-not-found', 'Order not found', `There is no order ${orderId}.`);
