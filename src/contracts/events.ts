/**
 * The published language of streamshop: every event and command type and the schema of its data, one file per
 * owner (a command belongs to the service that carries it out: billing owns charge and refund, which orders sends).
 * Services share these schemas, never each other's code; docs/events/ and docs/asyncapi.yaml are generated from here.
 */
import { AccountOpenedV1, ChargeCommandV1, PaymentRefundedV1, PaymentRejectedV1, PaymentSucceededV1, PaymentVoidedV1, RefundCommandV1 } from './billing.ts';
import { LetterStoredV1 } from './notifications.ts';
import { OrderCancellationRequestedV1, OrderCancelledV1, OrderCreatedV1, OrderPaidV1, OrderRejectedV1 } from './orders.ts';
import { UserCreatedV1 } from './users.ts';

export * from './billing.ts';
export * from './notifications.ts';
export * from './orders.ts';
export * from './users.ts';
export * from './vocabulary.ts';

export const eventCatalogue = [
  UserCreatedV1,
  AccountOpenedV1,
  OrderCreatedV1,
  PaymentSucceededV1,
  PaymentRejectedV1,
  OrderPaidV1,
  OrderRejectedV1,
  LetterStoredV1,
  OrderCancellationRequestedV1,
  OrderCancelledV1,
  PaymentRefundedV1,
  PaymentVoidedV1,
  ChargeCommandV1,
  RefundCommandV1,
];
