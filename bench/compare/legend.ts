/** How each figure of docs/styles-comparison.md is measured: the report's legend, in Markdown. */
import type { Plan } from './options.ts';

const s = (ms: number) => `${ms / 1000} s`;

export function legend(plan: Plan, { quick, stack }: { quick: boolean; stack: boolean }): string[] {
  return [
    '## How each figure is measured',
    '',
    `Each style runs on a system of its own, started fresh (a new data folder) with ${plan.users} users holding plenty of money. ` +
      'The clients are the bench\'s load process ([bench/load.ts](../bench/load.ts)): closed-loop clients, each placing one order at a time ' +
      'with `Prefer: wait=30`, about 80 % priced within the balance and 20 % above any balance; an order answered `pending` is then asked for ' +
      'with `GET /orders/{id}` and `Prefer: wait=30` until final. The stack runs one process per service (the build, as the image does), ' +
      'NATS unless the style is http, and a gateway; the embedded default runs them in one process.',
    '',
    `- **orders/s**: orders answered with their final status (paid or rejected) per second of the measured ${s(plan.steadyMs)}, after ${s(plan.warmupMs)} of warm-up; the median of the rounds (**rounds**: the lowest and the highest). The styles of a topology take turns round by round, so that a machine whose speed drifts moves them alike.`,
    '- **p50, p99 ms**: from sending `POST /orders` to the answer with the final status, over every round\'s orders. **cpu ms/order**: CPU of the system\'s process tree (Node.js, PostgreSQL, NATS) per order.',
    `- **The outages**: ${plan.clients} plain clients (and, in the billing phases, ${plan.retryingClients} clients that give up after ${s(plan.giveUpMs)} and send the order again with the same Idempotency-Key) place orders for ${s(plan.beforeMs)}; then the service is frozen for ${s(plan.pauseMs)} (embedded: \`system.pause\`, its HTTP requests, deliveries and publishing wait; stack: SIGSTOP of its process) while they go on, then ${s(plan.afterMs)} more. The phase then waits, at most ${s(plan.settleMs)}, until its orders are all final, every charge that should be given back is, and each final order has its letter or it is counted lost; what is still wrong then is counted.`,
    '- **in outage**: requests in flight at some moment while the service was down. **accepted**: of those, answered 201; **5xx**: answered 5xx (the http styles answer 503 when billing does not answer the charge within its 5 s budget).',
    '- **final later**: orders in the outage that were paid, or refused for a reason of their own, once the service was back. **rejected**: orders the outage itself rejected (`billing_unavailable` in the http styles, `payment_timeout` in the saga). **never final**: orders of the phase still `pending` when it stopped waiting.',
    '- **charged 2x**: orders with more than one payment line in the ledger, or more payments than refunds by more than one. **left charged**: a paid order whose payments − refunds is not 1, or any other whose is not 0. **money**: `ok` when every account\'s balance is deposits − withdrawals − payments + refunds and every ledger line\'s running balance agrees; else the accounts that do not. **p99 ms**: of every answer the plain clients got, a 503 too.',
    `- **letters missing**: final orders of the phase without a letter of their kind once settled. **counted lost**: the growth of orders' \`letters_lost_total\` during the phase (the http style's letters notifications did not take: without a broker there is no outbox to keep them). **duplicated**: final orders with more than one letter. **late**: letters stored more than ${s(plan.lateLetterMs)} after their order became final (the letter's \`createdAt\` − the order's \`updatedAt\`); **letter p99 ms**: that delay.`,
    ...(quick
      ? [
          `- **--quick**: billing and then notifications are frozen in one run of load (${s(plan.beforeMs)} apart), settled once: both tables count the orders of that whole run.`,
        ]
      : []),
    ...(stack ? ['- **billing killed -9** (stack only: one process holds every service in the embedded default): SIGKILL of the billing process under load, then started again at once; its time to be ready is part of the outage. The events it held unacknowledged come back to it after JetStream\'s ack wait (30 s).'] : []),
    '- **retried**: orders a retrying client sent more than once with the same Idempotency-Key; **charged 2x**: of those, the ones charged twice.',
    `- **saga**: the saga runs with PAYMENT_DEADLINE ${s(plan.deadlineMs)} in every phase of this comparison (so that its ${s(plan.pauseMs)} billing pause ${plan.pauseMs > plan.deadlineMs ? 'already outlasts it' : 'reaches it'}); billing is frozen ${s(plan.sagaPauseMs)}. **due to time out**: orders whose deadline + 2 s fell while billing was frozen and that were not final when it froze (billing cannot have answered them in time); **on time**: of those, rejected as \`payment_timeout\` within the deadline + 2 s of their creation; **late**: rejected so, but later; **overrun p99 ms**: how far past the deadline they were rejected. An order whose deadline falls nearer the thaw may rightly be paid: billing's answer can come before the timer's next tick (1 s).`,
  ];
}
