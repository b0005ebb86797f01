import { startTestSystem, type TestSystem, type TestSystemOptions } from './system.ts';

export type Topology = 'embedded' | 'stack';

/** The topologies the end-to-end suite runs against: always the embedded default; the NATS stack when nats-server is there. */
export const topologies: Topology[] = ['embedded'];

export function startSystem(topology: Topology, options: TestSystemOptions = {}): Promise<TestSystem> {
  switch (topology) {
    case 'embedded':
      return startTestSystem(options);
    case 'stack':
      throw new Error('the stack topology is not wired yet');
    default: {
      const unknown: never = topology;
      throw new Error(`unknown topology ${unknown}`);
    }
  }
}
