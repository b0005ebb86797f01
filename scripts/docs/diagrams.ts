/**
 * Diagrams: Mermaid sources to SVG (and the overview also to PNG), through mermaid-cli and Chromium.
 *
 * mermaid-cli and its browser stack (450 MB) are not among the project's dependencies: only re-rendering needs them,
 * so they live in tools/diagrams/ with a lock of their own, installed there on first use. A rendering also writes
 * docs/diagrams/renderings.sha256 (the hashes of each source and rendering, and the renderer's versions), which
 * tests/docs/renderings.test.ts compares with the files: CI checks the renderings are current without a browser.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './paths.ts';

const MAIN_DIAGRAM = 'overview';
const TOOLS = join(root, 'tools', 'diagrams');
const TOOLS_LOCK = join(TOOLS, 'package-lock.json');
/** The hash of the lock the tools were last installed from, written after a successful `npm ci`. */
const INSTALLED_LOCK = join(TOOLS, 'node_modules', '.installed-lock.sha256');
export const MANIFEST = 'renderings.sha256';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const outputsOf = (source: string) => {
  const name = basename(source, '.mmd');
  return [`${name}.svg`, ...(name === MAIN_DIAGRAM ? [`${name}.png`] : [])];
};

export async function renderDiagrams(diagramsDir: string): Promise<string[]> {
  await installRenderer();
  const mmdc = join(TOOLS, 'node_modules', '.bin', 'mmdc');
  const puppeteerConfig = join(root, 'scripts', 'puppeteer-config.json');
  const written: string[] = [];
  for (const source of await sourcesIn(diagramsDir)) {
    for (const output of outputsOf(source)) {
      const args = [mmdc, '-q', '-p', puppeteerConfig, '-b', 'white', '-i', join(diagramsDir, source), '-o', join(diagramsDir, output)];
      if (output.endsWith('.png')) args.push('-s', '2');
      // One Chromium at a time: the machines that run this are small.
      await promisify(execFile)(process.execPath, args).catch((error: { stderr?: string }) => {
        throw new Error(`mermaid-cli could not render docs/diagrams/${source}:\n${error.stderr?.split('\n').slice(0, 8).join('\n')}`);
      });
      written.push(output);
    }
  }
  await writeFile(join(diagramsDir, MANIFEST), await renderingsManifest(diagramsDir));
  return [...written, MANIFEST];
}

/**
 * What docs/diagrams/renderings.sha256 says when the renderings are current: the renderer's versions from
 * tools/diagrams/package-lock.json, then `sha256sum` lines for each source and its renderings.
 */
export async function renderingsManifest(diagramsDir: string): Promise<string> {
  const lines = [
    '# Written by `npm run docs -- --render`; tests/docs/renderings.test.ts fails when a source, a rendering or the',
    '# renderer changed since. `sha256sum -c renderings.sha256` in docs/diagrams/ checks the files by hand.',
    `# renderer: ${await rendererVersions()}`,
  ];
  for (const source of await sourcesIn(diagramsDir)) {
    for (const file of [source, ...outputsOf(source)]) lines.push(`${sha256(await readFile(join(diagramsDir, file)))}  ${file}`);
  }
  return `${lines.join('\n')}\n`;
}

async function rendererVersions(): Promise<string> {
  const lock = JSON.parse(await readFile(TOOLS_LOCK, 'utf8')) as { packages: Record<string, { version?: string }> };
  return ['@mermaid-js/mermaid-cli', 'mermaid'].map((name) => `${name}@${lock.packages[`node_modules/${name}`]?.version}`).join(' ');
}

const sourcesIn = async (diagramsDir: string) => (await readdir(diagramsDir)).filter((f) => f.endsWith('.mmd')).sort();

/** `npm ci` in tools/diagrams/ unless the installed tools came from the lock as it is now. */
async function installRenderer(): Promise<void> {
  const wanted = sha256(await readFile(TOOLS_LOCK));
  if ((await readFile(INSTALLED_LOCK, 'utf8').catch(() => '')) === wanted) return;
  console.log('docs: installing mermaid-cli into tools/diagrams/ (its own lock; about a minute)');
  // npm runs on the Node running this script, the project's Node 24 that mermaid-cli requires.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  await promisify(execFile)('npm', ['ci', '--no-audit', '--no-fund'], { cwd: TOOLS, env, maxBuffer: 16 * 1024 * 1024 });
  await writeFile(INSTALLED_LOCK, wanted);
}
