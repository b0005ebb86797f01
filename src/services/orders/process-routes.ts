/**
 * The operators' view of the order process (admins only): an order's step, attempts and deadline for its timeline,
 * the orders that need a look, and two actions by hand — Retry (follow up now) and Compensate (reject an order
 * stuck pending and give back whatever was charged) — each kept with who, when and why.
 */
import Type from 'typebox';
import { callerOf } from '../../platform/access/index.ts';
import { AppError } from '../../platform/common/index.ts';
import { type App, responses } from '../../platform/http/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import { OrderParams } from './contract.ts';
import type { OrderMessage } from './order-process.ts';
import { applyToRecord } from './process.ts';
import { OrderProcess, overdueOrderIds, ProcessActionBody, readProcesses, recordAction } from './process-view.ts';
import { findOrder, lockOrder, setFollowUp } from './repository.ts';
import { getOrder, type OrdersDeps } from './use-cases.ts';

const admin = { access: 'admin' as const };
const tags = ['admin'];
const ProcessList = Type.Object({ items: Type.Array(OrderProcess) });
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })) }, { additionalProperties: false });

const nothingToDo = (orderId: string, action: string, status: string) =>
  new AppError({ status: 409, code: 'nothing-to-do', title: `Nothing to ${action}`, detail: `Order ${orderId} is ${status}, with no step waiting for billing.` });

export function processRoutes(app: App, { sql, db, style }: OrdersDeps): void {
  app.get(
    '/admin/processes',
    { config: admin, schema: { tags, summary: 'Orders that need a look: overdue steps, past their deadline, cancellations not confirmed', querystring: ListQuery, response: responses({ 200: ProcessList }) } },
    async (request) => {
      const ids = await overdueOrderIds(sql, request.query.limit ?? 50);
      const orders = await Promise.all(ids.map((id) => getOrder(sql, id)));
      return { items: await readProcesses(sql, orders) };
    },
  );

  app.get(
    '/admin/processes/:orderId',
    { config: admin, schema: { tags, summary: "An order's process: step, attempts, deadline, operators' actions", params: OrderParams, response: responses({ 200: OrderProcess }, 404) } },
    async (request) => (await readProcesses(sql, [await getOrder(sql, request.params.orderId)]))[0] as OrderProcess,
  );

  for (const action of ['retry', 'compensate'] as const) {
    app.post(
      `/admin/processes/:orderId/${action}`,
      {
        config: admin,
        schema: {
          tags,
          summary: action === 'retry' ? 'Follow the order up now' : 'Reject an order stuck pending and give back whatever was charged; for a cancellation, ask for the refund now',
          params: OrderParams,
          body: ProcessActionBody,
          response: responses({ 200: OrderProcess }, 404, 409),
        },
      },
      async (request) => {
        const { orderId } = request.params;
        const caller = callerOf(request);
        const correlation: Correlation = { correlationId: request.id };
        const afterCommit = await db.transaction(async (tx) => {
          const record = await lockOrder(tx, orderId);
          if (!record) return undefined;
          const message: OrderMessage | undefined = action === 'compensate' && record.state.status === 'pending' ? { kind: 'deadline' } : undefined;
          if (!message && !record.followUp) throw nothingToDo(orderId, action, record.state.status);
          await recordAction(tx, orderId, { action, by: { userId: caller.userId, email: caller.email }, reason: request.body.reason });
          if (!message) return void (await setFollowUp(tx, orderId, { ...(record.followUp as NonNullable<typeof record.followUp>), at: new Date() }, record.attempts));
          return applyToRecord(tx, record, message, { style, correlation });
        });
        const order = await findOrder(sql, orderId);
        if (!order) throw new AppError({ status: 404, code: 'order-not-found', title: 'Order not found', detail: `There is no order ${orderId}.` });
        if (afterCommit) await style.afterCommit(afterCommit.order, afterCommit.afterCommit, correlation);
        request.log.warn({ orderId, action, operator: caller.userId, reason: request.body.reason }, `order process: ${action} by an operator`);
        return (await readProcesses(sql, [order]))[0] as OrderProcess;
      },
    );
  }
}
