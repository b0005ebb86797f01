/** The progress lines of npm run compare: one per phase, saying what it measured (the caller wraps them to the terminal). */
import type { Summary } from '../phases.ts';
import type { Measures } from './measures.ts';
import type { Target } from './targets.ts';

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '-');
const money = (m: Measures) => (m.accountsOff === 0 ? 'money conserved' : `MONEY NOT CONSERVED in ${m.accountsOff} accounts`);
const twice = (m: Measures) => (m.chargedTwice === 0 ? 'none charged twice' : `${m.chargedTwice} CHARGED TWICE`);
const settled = (m: Measures) => (m.settled ? `settled in ${(m.settleMs / 1000).toFixed(1)} s` : `NOT SETTLED after ${(m.settleMs / 1000).toFixed(0)} s`);

export function steadyLine(target: Target, what: string, s: Summary): string {
  return (
    `${target.style} (${target.topology}) steady ${what}: ${s.throughput} orders/s, p50 ${ms(s.latencyToFinalMs.p50)}, ` +
    `p99 ${ms(s.latencyToFinalMs.p99)}, ${s.errors} failed, ${s.answeredPending} answered pending`
  );
}

function figures(name: string, m: Measures): string {
  const outage =
    `${m.affected} requests in the outage: ${m.accepted} accepted, ${m.answered5xx} answered 5xx, ${m.failedOther} failed otherwise; ` +
    `${m.finalLater} final later, ${m.rejectedByOutage} rejected by it, ${m.neverFinal} never final; p99 ${ms(m.latencyMs.p99)}`;
  const letters =
    `${m.lettersMissing} letters missing, ${m.lettersLostMetric} counted lost, ${m.lettersDuplicated} duplicated, ` +
    `${m.lettersLate} late, letter p99 ${ms(m.letterDelayMs.p99)}`;
  switch (name) {
    case 'steady':
      return `${m.orders} orders, ${m.neverFinal} never final, ${m.leftCharged} left charged; ${letters}`;
    case 'notifications paused':
      return `${m.orders} orders; ${letters}`;
    case 'past the deadline':
      return (
        `${m.timedOutOnTime} of ${m.dueToTimeOut} due rejected as payment_timeout on time, ${m.timedOutLate} late ` +
        `(overrun p99 ${ms(m.timeoutOverrunMs.p99)}), ${m.leftCharged} left charged, ${m.neverFinal} never final`
      );
    default:
      return `${m.orders} orders, ${outage}; ${m.leftCharged} left charged; ${m.retried} retried with the same key, ${m.retriedChargedTwice} of them charged twice`;
  }
}

export function phaseLine(target: Target, name: string, m: Measures): string {
  const examples = m.examples.length > 0 ? `; e.g. ${m.examples.join('; ')}` : '';
  return `${target.style} (${target.topology}) ${name}: ${figures(name, m)}; ${twice(m)}, ${money(m)}; ${settled(m)}${examples}`;
}
