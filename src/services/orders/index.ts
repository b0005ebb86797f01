import type { ServiceModule } from '../../platform/runtime/index.ts';
import { watchFinality } from './finality.ts';
import { ordersHandlers } from './handlers.ts';
import { startProcessTimer } from './process-timer.ts';
import { processRoutes } from './process-routes.ts';
import { countOverdue } from './process-view.ts';
import { adoptOrdersInFlight } from './repository.ts';
import { orderRoutes } from './routes.ts';
import { ordersStyle } from './styles.ts';
import { orderPlacement } from './use-cases.ts';

export const ordersService: ServiceModule = {
  name: 'orders',
  description: 'Orders and their status: owns the order process (payment, cancellation, deadline) in every interaction style.',
  migrations: new URL('./migrations/', import.meta.url),
  async start(deps) {
    const { db, log } = deps;
    const lettersLost = deps.metrics.counter('letters_lost_total', 'http style: letters of final orders whose call to notifications failed (no outbox keeps them); an upper bound, since a call that timed out may still have been stored');
    const style = ordersStyle(deps.style, { db, calls: deps.calls, log, lettersLost });
    // Orders an earlier run left in flight (another style, a crash) are followed up in this one.
    const adopted = await adoptOrdersInFlight(db.sql, deps.paymentDeadlineMs);
    if (adopted > 0) log.info({ adopted, style: deps.style }, 'orders left in flight by an earlier run are followed up');
    // Requests with Prefer: wait sleep until the NOTIFY for their order.
    const watcher = await watchFinality(db.sql);
    const placeOrder = orderPlacement(deps, style);
    const timer = startProcessTimer(db, style, log);
    deps.metrics.pendingGauge('orders_overdue', 'Orders that need a look: a step overdue, past the deadline, or a cancellation not confirmed (GET /orders/admin/processes)', () => countOverdue(db.sql));
    const ordersDeps = { sql: db.sql, db, watcher, placeOrder, style };
    return {
      routes: (app) => {
        orderRoutes(app, ordersDeps);
        processRoutes(app, ordersDeps);
      },
      background: timer,
      close: () => watcher.close(),
    };
  },
  handlers: ordersHandlers,
};
