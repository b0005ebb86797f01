/**
 * The orders process's timer: every second it takes the orders whose follow-up is due — a charge or a refund
 * billing has not answered, the saga's deadline, an order a crash left mid-call — and has the style carry it out.
 * Due orders are locked with SKIP LOCKED, so two replicas never work on the same order, and neither waits for the other.
 */
import type { Logger } from 'pino';
import type { Database } from '../../platform/database/index.ts';
import type { Effect } from './order-process.ts';
import type { Order } from './contract.ts';
import { dueFollowUps } from './repository.ts';
import { followUpCorrelation, type OrdersStyle } from './styles.ts';

const TICK_MS = 1_000;
/** Orders taken per transaction: a call each in the http styles, so a few at a time. */
const BATCH = 20;

export function startProcessTimer(db: Database, style: OrdersStyle, log: Logger): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<void> {
    const done: { order: Order; afterCommit: Effect[] }[] = [];
    await db.transaction(async (tx) => {
      for (const record of await dueFollowUps(tx, BATCH)) done.push(await style.followUp(tx, record));
    });
    for (const { order, afterCommit } of done) await style.afterCommit(order, afterCommit, followUpCorrelation(order.id));
    // A full batch may have more behind it: go on at once.
    if (done.length === BATCH && !stopped) return tick();
  }

  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => log.warn({ err: error }, 'the orders process timer could not follow up; trying again'))
        .finally(schedule);
    }, TICK_MS);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
