import { AppError } from '../../platform/common/index.ts';

export const orderNotFound = (orderId: string) =>
  new AppError({ status: 404, code: 'order-not-found', title: 'Order not found', detail: `There is no order ${orderId}.` });
