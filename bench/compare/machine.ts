/** The machine a comparison ran on, from /proc: what the report's figures depend on. */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  loadavgAtStart: number[];
}

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

export function machine(): Machine {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read('/proc/cpuinfo'))?.[1]?.trim() ?? 'unknown CPU';
  const memoryKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(read('/proc/meminfo'))?.[1] ?? Number.NaN);
  return { cpu, cores: availableParallelism(), memoryGb: Math.round((memoryKb / 1024 / 1024) * 10) / 10, node: process.version, loadavgAtStart: loadAverage() };
}
