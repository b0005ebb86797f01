import { AppError } from '../../platform/common/index.ts';

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
