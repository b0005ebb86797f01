import type { Order } from './contract.ts';

/**
 * Whether an order's status is one a client waiting with `Prefer: wait` stops at: paid or rejected. A pending order
 * still waits for billing.
 */
export function isFinal(status: Order['status']): boolean {
  return status === 'paid' || status === 'rejected';
}
