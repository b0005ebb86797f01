/**
 * Waiting until a phase's consequences are over: every order final, every charge given back that should be, every
 * letter stored or counted lost. Polls the API; gives up after the plan's settle time and reports what is left.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchUser, collect, logIn, type UserState } from '../streamshop.ts';
import { isFinal, leftCharged, ordersSince } from './ledger.ts';
import type { Target } from './targets.ts';

export interface Settled {
  state: UserState[];
  settled: boolean;
  ms: number;
  /** letters_lost_total of orders since the phase began */
  lettersLost: number;
}

export interface SettleInput {
  target: Target;
  users: BenchUser[];
  operator: { email: string; password: string };
  /** the phase's orders are those created from then on (epoch ms) */
  since: number;
  /** letters_lost_total of orders when the phase began */
  lostBefore: number;
  timeoutMs: number;
}

const lettersLostNow = (target: Target) => target.metric('orders', 'letters_lost_total');

/** Done: every order final, its money where its status says, and a letter for each final order or one counted lost. */
function done(state: UserState[], since: number, lost: number): boolean {
  const views = ordersSince(state, since);
  const final = views.filter((v) => isFinal(v.order));
  const withLetter = final.filter((v) => v.letters.length > 0).length;
  return final.length === views.length && !views.some(leftCharged) && withLetter + lost >= final.length;
}

export async function settle({ target, users, operator, since, lostBefore, timeoutMs }: SettleInput): Promise<Settled> {
  const started = performance.now();
  // Logged in afresh for each phase: a full run lasts longer than an access token.
  const token = await logIn(target.url, operator.email, operator.password);
  for (;;) {
    const lettersLost = (await lettersLostNow(target)) - lostBefore;
    const state = await collect(target.url, users, token);
    const ms = performance.now() - started;
    if (done(state, since, lettersLost)) return { state, settled: true, ms, lettersLost };
    if (ms > timeoutMs) return { state, settled: false, ms, lettersLost };
    await sleep(1_000);
  }
}

/** letters_lost_total of orders now, to count from. */
export { lettersLostNow };
