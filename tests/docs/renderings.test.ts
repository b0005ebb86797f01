/**
 * The committed diagram renderings (docs/diagrams/*.svg, overview.png) are those of the committed Mermaid sources
 * with the renderer tools/diagrams/ pins: docs/diagrams/renderings.sha256, written when they were rendered, still
 * matches every file and that renderer. Checked by hashes, so no browser or mermaid-cli is needed here.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MANIFEST, renderingsManifest } from '../../scripts/docs/diagrams.ts';
import { docsDir } from '../../scripts/docs/paths.ts';

const diagramsDir = join(docsDir, 'diagrams');

test('when the diagram sources, renderings and renderer are hashed, then they match docs/diagrams/renderings.sha256', async () => {
  const committed = (await readFile(join(diagramsDir, MANIFEST), 'utf8')).split('\n');
  const current = (await renderingsManifest(diagramsDir)).split('\n');
  const changed = [...current.filter((line) => !committed.includes(line)), ...committed.filter((line) => !current.includes(line)).map((line) => `(was) ${line}`)];
  assert.deepEqual(changed, [], `a diagram, a rendering or the renderer changed since the last rendering: run npm run docs -- --render\n${changed.join('\n')}`);
});
