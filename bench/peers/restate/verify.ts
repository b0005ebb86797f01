/**
 * The floor's correctness counts (bench/floor.ts verifyCounts) over Restate's state, read through the admin
 * API's SQL introspection (`POST /query`, docs.restate.dev/operate/introspection): every account's balance
 * and ledger lines, every order workflow's final order, every mailbox's letters.
 */
import type { PeerOrder } from '../http.ts';
import type { LedgerLine, Letter } from './services.ts';

interface StateRow {
  service_name: string;
  service_key: string;
  key: string;
  value_utf8: string;
}

async function stateRows(adminUrl: string): Promise<StateRow[]> {
  const response = await fetch(`${adminUrl}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: 'SELECT service_name, service_key, key, value_utf8 FROM state' }),
  });
  if (!response.ok) throw new Error(`admin query: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { rows: StateRow[] }).rows;
}

export async function verifyState(adminUrl: string): Promise<Record<string, number>> {
  const balances = new Map<string, number>();
  const fromLedger = new Map<string, number>();
  const payments = new Map<string, number[]>();
  const orders: PeerOrder[] = [];
  const letters = new Set<string>();
  for (const row of await stateRows(adminUrl)) {
    const value = JSON.parse(row.value_utf8) as unknown;
    if (row.service_name === 'account' && row.key === 'balance') balances.set(row.service_key, value as number);
    if (row.service_name === 'account' && row.key.startsWith('line:')) {
      const line = value as LedgerLine;
      fromLedger.set(row.service_key, (fromLedger.get(row.service_key) ?? 0) + (line.type === 'deposit' ? line.amount : -line.amount));
      if (line.type === 'payment' && line.orderId) payments.set(line.orderId, [...(payments.get(line.orderId) ?? []), line.amount]);
    }
    if (row.service_name === 'order' && row.key === 'order') orders.push(value as PeerOrder);
    if (row.service_name === 'mailbox' && row.key.startsWith('letter:')) letters.add(`${row.service_key}/${(value as Letter).orderId}`);
  }
  const paid = orders.filter((o) => o.status === 'paid');
  const paidIds = new Set(paid.map((o) => o.id));
  return {
    orders: orders.length,
    not_final: orders.filter((o) => o.status !== 'paid' && o.status !== 'rejected').length,
    paid: paid.length,
    payments: [...payments.values()].reduce((n, amounts) => n + amounts.length, 0),
    paid_without_payment: paid.filter((o) => !payments.get(o.id)?.includes(o.price)).length,
    unbalanced: [...balances].filter(([id, balance]) => balance !== (fromLedger.get(id) ?? 0)).length,
    orders_without_one_letter: orders.filter((o) => !letters.has(`${o.userId}/${o.id}`)).length,
    letters: letters.size,
    negative_balances: [...balances.values()].filter((b) => b < 0).length,
    /** payments whose order never became final, or that charged an order twice */
    stray_payments: [...payments].filter(([id, amounts]) => amounts.length !== 1 || !paidIds.has(id)).length,
  };
}
