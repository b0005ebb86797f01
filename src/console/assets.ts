import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page: plain ES modules and a style sheet, served as they are (no build step; see docs/console.md). */
const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  type: string;
}

export interface PageAssets {
  /** A digest of every file: part of every asset's URL, so a changed file is a new URL and the old can be cached forever. */
  version: string;
  /** index.html, pointing at this version's assets. */
  html: Buffer;
  /** By path below the version, e.g. views/feed.js. */
  files: ReadonlyMap<string, Asset>;
}

/**
 * Reads the page once, at start: a few tens of kilobytes, served from memory. Only the files read here exist for
 * the server, so no request path ever reaches the file system.
 */
export async function loadPageAssets(): Promise<PageAssets> {
  const names = (await readdir(PAGE_DIR, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(PAGE_DIR, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
  const files = new Map<string, Asset>();
  const digest = createHash('sha256');
  let template: string | undefined;
  for (const name of names) {
    const body = await readFile(join(PAGE_DIR, name));
    if (name === 'index.html') template = body.toString('utf8');
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    files.set(name, { body, type });
    digest.update(name).update('\0').update(body);
  }
  if (template === undefined) throw new Error(`${PAGE_DIR}index.html is missing`);
  const version = digest.digest('base64url').slice(0, 16);
  return { version, html: Buffer.from(template.replaceAll('{{assets}}', `/console/assets/${version}`)), files };
}
