/**
 * npm run build: the service code as JavaScript in dist/ (tsc with tsconfig.build.json), with the SQL migrations
 * beside it. It is what the image and `SERVICES_FROM=dist npm run stack` run: the sources run as they are too,
 * but Node's type stripper then costs each process ~45 MB of memory.
 */
import { execFileSync } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;

await rm(dist, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
// The services find their migrations next to their code (new URL('./migrations/', import.meta.url)).
await cp(`${root}src`, dist, {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
console.log(`built ${dist}/ (run: node dist/main.js <service>)`);
