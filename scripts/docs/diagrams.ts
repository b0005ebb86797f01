/** Diagrams: Mermaid sources to SVG (and the overview also to PNG), through mermaid-cli and Chromium. */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { root } from './paths.ts';

const MAIN_DIAGRAM = 'overview';

export async function renderDiagrams(diagramsDir: string): Promise<string[]> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.resolve('@mermaid-js/mermaid-cli')));
  const puppeteerConfig = join(root, 'scripts', 'puppeteer-config.json');
  const sources = (await readdir(diagramsDir)).filter((f) => f.endsWith('.mmd')).sort();
  const written: string[] = [];
  for (const source of sources) {
    const name = basename(source, '.mmd');
    const outputs = [`${name}.svg`, ...(name === MAIN_DIAGRAM ? [`${name}.png`] : [])];
    for (const output of outputs) {
      const args = [cli, '-q', '-p', puppeteerConfig, '-b', 'white', '-i', join(diagramsDir, source), '-o', join(diagramsDir, output)];
      if (output.endsWith('.png')) args.push('-s', '2');
      // One Chromium at a time: the machines that run this are small.
      await promisify(execFile)(process.execPath, args).catch((error: { stderr?: string }) => {
        throw new Error(`mermaid-cli could not render docs/diagrams/${source}:\n${error.stderr?.split('\n').slice(0, 8).join('\n')}`);
      });
      written.push(output);
    }
  }
  return written;
}
