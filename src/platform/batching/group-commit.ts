import { batched, type Waiting } from './batches.ts';
import { isDatabaseUnavailable, type Tx, type Database } from '../database/index.ts';
import type { ServiceMetrics } from '../observability/index.ts';

/** Requests that arrive while a group commits wait for the next one; a group has at most this many. */
const MAX_GROUP = 64;

/**
 * Group commit for a write that many requests make at once: the items that arrive while one transaction runs
 * are written together in the next one (see batches.ts), by `write`, which returns one result per item, in order.
 * If a group's transaction fails, each of its items is written again alone, so one bad item fails only itself.
 */
export function groupCommit<I, O>(
  name: string,
  db: Database,
  metrics: ServiceMetrics,
  write: (tx: Tx, items: I[]) => Promise<O[]>,
): (item: I) => Promise<O> {
  async function writeAlone(waiting: Waiting<I, O>): Promise<void> {
    try {
      const [result] = await db.transaction((tx) => write(tx, [waiting.item]));
      waiting.resolve(result as O);
    } catch (error) {
      waiting.reject(error);
    }
  }

  return batched<I, O>(MAX_GROUP, async (group) => {
    metrics.writeGroupSize.observe({ write: name }, group.length);
    if (group.length === 1) return writeAlone(group[0] as Waiting<I, O>);
    try {
      const results = await db.transaction((tx) => write(tx, group.map((waiting) => waiting.item)));
      for (const [i, waiting] of group.entries()) waiting.resolve(results[i] as O);
    } catch (error) {
      if (isDatabaseUnavailable(error)) for (const waiting of group) waiting.reject(error);
      else await Promise.all(group.map(writeAlone));
    }
  });
}
