import { join } from 'node:path';

const TEMPLATE = join(import.meta.dirname, 'newman-report.hbs');

/**
 * htmlextra's options for a report at `file`, rendered with newman-report.hbs: htmlextra's own template loads its
 * scripts, styles and fonts from CDNs, so its reports were blank pages offline; this one loads nothing.
 */
export function htmlReport(file: string, title: string): { export: string; title: string; browserTitle: string; template: string } {
  return { export: file, title, browserTitle: title, template: TEMPLATE };
}
