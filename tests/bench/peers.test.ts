/**
 * --peers: its options, and its table fits a terminal of 100 columns whatever the figures (no peer is run here:
 * they are installed on demand by the bench, see docs/benchmarks/peers.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOptions } from '../../bench/options.ts';
import { type PeersResult, peerLines } from '../../bench/peers.ts';
import type { Level } from '../../bench/report.ts';
import { WIDTH } from '../../bench/stats.ts';
import { summary } from '../support/wide-bench-figures.ts';

describe('bench --peers', () => {
  test('is off by default, and runs both variants when asked', () => {
    assert.equal(parseOptions([]).peers, false);
    const options = parseOptions(['--peers']);
    assert.equal(options.peers, true);
    assert.deepEqual(options.peerVariants, ['shipped', 'tuned']);
    assert.deepEqual(parseOptions(['--peers', '--peer-variants', 'tuned']).peerVariants, ['tuned']);
    assert.throws(() => parseOptions(['--peer-variants', 'fast']), /--peer-variants/);
  });

  test('its table fits the terminal and names every peer, variant and level', () => {
    const concurrencies = [1, 8, 32, 128, 1024];
    const levels: Level[] = concurrencies.map((c) => ({ concurrency: c, streamshop: summary(c), floor: summary(c) }));
    const runs = (['dbos', 'restate'] as const).flatMap((peer) =>
      (['shipped', 'tuned'] as const).map((variant) => ({
        peer,
        variant,
        versions: { [`@${peer}/a-rather-long-package-name`]: '12.345.678-beta.9' },
        levels: concurrencies.map((c) => ({ concurrency: c, summary: summary(c) })),
        checks: [],
      })),
    );
    const peers: PeersResult = { runs, installMs: { dbos: 1234567, restate: 7654321 } };
    const lines = peerLines(peers, levels);
    const wide = lines.filter((line) => line.length > WIDTH);
    assert.deepEqual(wide, [], `lines over ${WIDTH} columns:\n${wide.join('\n')}`);
    for (const run of runs) for (const c of concurrencies) assert.ok(lines.some((l) => l.startsWith(`${run.peer} ${run.variant} c=${c} `)));
  });
});
