/**
 * The correctness checks of a comparison. Fatal (the run fails, and exits non-zero): money not conserved, an order
 * charged twice, a letter missing in a style that keeps its letters (all but http, whose losses are what it is
 * measured for). The others are warnings: reported, for a person to look into.
 */
import type { Check } from '../streamshop.ts';
import type { StyleResult } from './topology-run.ts';

export function checksOf(results: StyleResult[]): Check[] {
  const checks: Check[] = [];
  for (const r of results) {
    for (const [phase, m] of Object.entries(r.phases)) {
      const where = `${r.style} (${r.topology}) ${phase}`;
      const e = m.examples.length > 0 ? `; e.g. ${m.examples.join('; ')}` : '';
      checks.push(
        { name: `${where}: money conserved`, ok: m.accountsOff === 0, detail: `${m.accountsOff} accounts do not add up`, fatal: true },
        { name: `${where}: no order charged twice`, ok: m.chargedTwice === 0, detail: `${m.chargedTwice} charged twice${e}`, fatal: true },
        // The http style loses letters by design (no outbox keeps them): the table shows how many; that they are counted is checked below.
        ...(r.style === 'http' ? [] : [{ name: `${where}: every final order has its letter`, ok: m.lettersMissing === 0, detail: `${m.lettersMissing} missing`, fatal: true }]),
        { name: `${where}: every order final`, ok: m.neverFinal === 0, detail: `${m.neverFinal} never final${e}`, fatal: false },
        { name: `${where}: no money left where the status says none`, ok: m.leftCharged === 0, detail: `${m.leftCharged} left charged${e}`, fatal: false },
        { name: `${where}: one letter per order`, ok: m.lettersDuplicated === 0, detail: `${m.lettersDuplicated} with more than one`, fatal: false },
        {
          name: `${where}: every lost letter counted`,
          ok: m.lettersMissing <= m.lettersLostMetric,
          detail: `${m.lettersMissing} missing, ${m.lettersLostMetric} counted by letters_lost_total`,
          fatal: false,
        },
        { name: `${where}: settled`, ok: m.settled, detail: `after ${(m.settleMs / 1000).toFixed(1)} s`, fatal: false },
      );
    }
  }
  return checks;
}
