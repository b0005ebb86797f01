/**
 * What a phase measured, counted from what its clients saw (the load's records) and what the API says once things
 * settled (ledger.ts): the same figures for every phase, each table showing those its experiment is about.
 */
import type { OrderRecord } from '../load.ts';
import { type Distribution, distribution } from '../stats.ts';
import type { UserState } from '../streamshop.ts';
import { accountsOff, chargedTwice, isFinal, leftCharged, letterKind, type OrderView, ordersSince } from './ledger.ts';

/** When a service was down: from the pause (or the kill) until it was thawed (or ready again), epoch ms. */
export interface FaultWindow {
  service: string;
  kind: 'pause' | 'kill';
  from: number;
  to: number;
}

/** One phase's load and outage, as it happened. */
export interface PhaseRun {
  name: string;
  /** epoch ms: the phase's orders are those created from then on */
  started: number;
  ended: number;
  /** the plain closed-loop clients' orders, and those of the clients that give up and retry with the same key */
  plain: OrderRecord[];
  retrying: OrderRecord[];
  fault?: FaultWindow;
}

export interface Measures {
  orders: number;
  /** requests in flight at some moment of the outage (sent before it ended, answered after it began) */
  affected: number;
  accepted: number;
  answered5xx: number;
  /** failed otherwise: no answer, a 4xx */
  failedOther: number;
  /** orders that were in the outage and were paid, or refused for a reason of their own, after it began: held up by it */
  finalLater: number;
  /** orders the outage itself rejected: billing_unavailable (http styles), payment_timeout (saga) */
  rejectedByOutage: number;
  neverFinal: number;
  chargedTwice: number;
  /** a paid order not charged exactly once, or another one whose charges were not all given back */
  leftCharged: number;
  accountsOff: number;
  /** final orders without a letter, with more than one, or with one of the wrong kind */
  lettersMissing: number;
  lettersDuplicated: number;
  /** letters_lost_total of orders during the phase (the http style counts the letters notifications did not take) */
  lettersLostMetric: number;
  lettersLate: number;
  /** ms from an order's final status (updatedAt) to its letter's createdAt */
  letterDelayMs: Distribution;
  /** ms from sending POST /orders to an answer with the final status (a 503 too), for the plain clients */
  latencyMs: Distribution;
  /** orders sent more than once by a retrying client, and those of them charged twice */
  retried: number;
  retriedChargedTwice: number;
  /**
   * saga: orders billing did not answer whose deadline passed in the outage; those of them rejected as payment_timeout
   * within the grace, and late
   */
  dueToTimeOut: number;
  timedOutOnTime: number;
  timedOutLate: number;
  /** ms past the deadline at which those due were rejected as payment_timeout */
  timeoutOverrunMs: Distribution;
  settled: boolean;
  settleMs: number;
  /** a few of the orders behind a bad figure, to start looking from */
  examples: string[];
}

const inOutage = (r: OrderRecord, fault: FaultWindow) => r.sentAt < fault.to && r.sentAt + r.latencyMs >= fault.from;
const outageReasons = new Set(['billing_unavailable', 'payment_timeout']);

function letterFigures(views: OrderView[], lateMs: number) {
  const final = views.filter((v) => isFinal(v.order));
  const delays = final.flatMap((v) => (v.letters[0] ? [Date.parse(v.letters[0].createdAt) - Date.parse(v.order.updatedAt)] : []));
  return {
    lettersMissing: final.filter((v) => !v.letters.some((l) => l.kind === letterKind(v.order))),
    lettersDuplicated: final.filter((v) => v.letters.length > 1),
    lettersLate: delays.filter((d) => d > lateMs).length,
    letterDelayMs: distribution(delays),
  };
}

/**
 * The saga's deadline: the orders whose deadline, and the grace after it, fell in the outage and that were not final
 * when it began (so billing never answered them) must be rejected as payment_timeout within that grace. An order whose
 * deadline is nearer the thaw may rightly be paid: billing's answer can come before the timer's next tick.
 */
const DEADLINE_GRACE_MS = 2_000;

function deadlineFigures(views: OrderView[], fault: FaultWindow | undefined, deadlineMs: number) {
  if (!fault) return { dueToTimeOut: 0, timedOutOnTime: 0, timedOutLate: 0, timeoutOverrunMs: distribution([]) };
  const due = views.filter((v) => {
    const deadline = Date.parse(v.order.createdAt) + deadlineMs;
    const finalBefore = isFinal(v.order) && Date.parse(v.order.updatedAt) < fault.from;
    return deadline >= fault.from && deadline + DEADLINE_GRACE_MS <= fault.to && !finalBefore;
  });
  const overruns = due
    .filter((v) => v.order.reason === 'payment_timeout')
    .map((v) => Date.parse(v.order.updatedAt) - Date.parse(v.order.createdAt) - deadlineMs);
  const onTime = overruns.filter((ms) => ms <= DEADLINE_GRACE_MS).length;
  return { dueToTimeOut: due.length, timedOutOnTime: onTime, timedOutLate: overruns.length - onTime, timeoutOverrunMs: distribution(overruns) };
}

export interface MeasureInput {
  run: PhaseRun;
  state: UserState[];
  lettersLost: number;
  settle: { settled: boolean; ms: number };
  plan: { lateLetterMs: number; deadlineMs: number };
}

export function measure({ run, state, lettersLost, settle, plan }: MeasureInput): Measures {
  const views = ordersSince(state, run.started);
  const byId = new Map(views.map((v) => [v.order.id, v]));
  const { fault } = run;
  const requests = [...run.plain, ...run.retrying];
  const affected = fault ? requests.filter((r) => inOutage(r, fault)) : [];
  const affectedOrders = affected.flatMap((r) => (r.orderId && byId.get(r.orderId)) || []);
  const retried = run.retrying.filter((r) => (r.attempts ?? 1) > 1).flatMap((r) => (r.orderId && byId.get(r.orderId)) || []);
  const letters = letterFigures(views, plan.lateLetterMs);
  const twice = views.filter(chargedTwice);
  const charged = views.filter(leftCharged);
  const neverFinal = views.filter((v) => !isFinal(v.order));
  const examples = [...twice, ...charged, ...neverFinal, ...(letters.lettersMissing.length > 0 && lettersLost === 0 ? letters.lettersMissing : [])]
    .slice(0, 5)
    .map((v) => `${v.order.id} ${v.order.status}/${v.order.reason ?? ''} payments ${v.payments} refunds ${v.refunds} letters ${v.letters.length}`);
  // Every answer counts, a 503 too: the client waited that long to learn the outcome.
  const plain = run.plain.filter((r) => r.http > 0 && r.status !== undefined && r.status !== 'pending');
  return {
    orders: views.length,
    affected: affected.length,
    accepted: affected.filter((r) => r.http === 201).length,
    answered5xx: affected.filter((r) => r.http >= 500).length,
    failedOther: affected.filter((r) => r.http !== 201 && r.http < 500).length,
    finalLater: affectedOrders.filter((v) => isFinal(v.order) && !outageReasons.has(v.order.reason ?? '') && Date.parse(v.order.updatedAt) >= (fault?.from ?? 0)).length,
    rejectedByOutage: affectedOrders.filter((v) => outageReasons.has(v.order.reason ?? '')).length,
    neverFinal: neverFinal.length,
    chargedTwice: twice.length,
    leftCharged: charged.length,
    accountsOff: accountsOff(state).length,
    lettersMissing: letters.lettersMissing.length,
    lettersDuplicated: letters.lettersDuplicated.length,
    lettersLostMetric: lettersLost,
    lettersLate: letters.lettersLate,
    letterDelayMs: letters.letterDelayMs,
    latencyMs: distribution(plain.map((r) => r.latencyMs)),
    retried: retried.length,
    retriedChargedTwice: retried.filter(chargedTwice).length,
    ...deadlineFigures(views, fault, plan.deadlineMs),
    settled: settle.settled,
    settleMs: Math.round(settle.ms),
    examples,
  };
}
