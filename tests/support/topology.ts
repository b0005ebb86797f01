import { after, before } from 'node:test';
import type { InteractionStyle } from '../../src/platform/runtime/index.ts';
import { client } from './api.ts';
import { natsAvailable, startStackSystem } from './stack.ts';
import { startTestSystem, type TestSystem, type TestSystemOptions } from './system.ts';

export type Topology = 'embedded' | 'stack';

/** The interaction style the suite runs in (INTERACTION_STYLE, as CI sets it for each style's pass): events by default. */
export const styleUnderTest = (process.env.INTERACTION_STYLE ?? 'events') as InteractionStyle;

/** In the http styles orders calls billing while the client waits: the first answer to POST /orders is final. */
export const answersFinalAtOnce = styleUnderTest === 'http' || styleUnderTest === 'hybrid';

/**
 * The topologies the end-to-end suite runs against: always the embedded default; the NATS stack when nats-server is
 * there; or those TEST_TOPOLOGIES names (CI's passes in each style choose them).
 */
export const topologies: Topology[] = process.env.TEST_TOPOLOGIES
  ? (process.env.TEST_TOPOLOGIES.split(',') as Topology[])
  : natsAvailable() || process.env.REQUIRE_NATS === '1'
    ? ['embedded', 'stack']
    : ['embedded'];

export function startSystem(topology: Topology, options: TestSystemOptions = {}): Promise<TestSystem> {
  switch (topology) {
    case 'embedded':
      return startTestSystem(options);
    case 'stack':
      if (options.relay === 'paused') throw new Error('the stack topology has no paused relays');
      return startStackSystem({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.env ? { env: options.env } : {}) });
    default: {
      const unknown: never = topology;
      throw new Error(`unknown topology ${unknown}`);
    }
  }
}

/**
 * Starts a system for the enclosing describe() and stops it afterwards. The returned object is filled
 * in by the before-hook: read `t.system` and `t.api` inside tests, not at definition time.
 */
export function useSystem(topology: Topology, options: TestSystemOptions = {}) {
  const t = {} as { system: TestSystem; api: ReturnType<typeof client> };
  before(async () => {
    t.system = await startSystem(topology, options);
    t.api = client(t.system.url);
  });
  after(() => t.system?.stop());
  return t;
}
