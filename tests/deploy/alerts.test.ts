/**
 * The alerting rules (deploy/prometheus/rules.yaml), checked without a Prometheus: every rule has what an operator
 * needs (a name, an expression, a `for`, a severity, a summary and a runbook_url leading to a heading of
 * docs/operations.md, whose runbooks are exactly the alerts), watches metrics the services register, and has an
 * expression whose shape holds (delimiters, functions, ranges). With promtool installed (CI installs it and sets
 * REQUIRE_PROMTOOL=1), `promtool check rules` parses every expression as Prometheus does, and `promtool test rules`
 * plays the cases of deploy/prometheus/rules.test.yaml: each alert fires on what it is for and not on look-alikes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { root } from './kustomize.ts';

const RULES = 'deploy/prometheus/rules.yaml';
const CASES = 'deploy/prometheus/rules.test.yaml';
const RUNBOOKS = 'docs/operations.md';
const RUNBOOK_SECTION = /^## Alerts and their runbooks$/;
/** What the alerts must watch (the issues "Every interaction style runnable" and "Style 4: the orchestrated saga"). */
const WATCHED = ['orders_overdue', 'outbox_unpublished_events', 'dead_letters_waiting', 'letters_lost_total'];
/** Metrics the rules may name before the code registers them: the orders service is to expose this gauge. */
const ANNOUNCED = new Set(['orders_overdue']);
const PROMQL_FUNCTIONS = new Set(['sum', 'max', 'min', 'avg', 'count', 'rate', 'increase', 'deriv', 'delta', 'min_over_time', 'max_over_time', 'avg_over_time', 'absent', 'absent_over_time', 'changes', 'resets']);
const KEYWORDS = new Set(['by', 'without', 'and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rulesOf = (document: { groups?: { rules?: Rule[] }[] }): Rule[] => (document.groups ?? []).flatMap((group) => group.rules ?? []);
const readRules = () => parse(readFileSync(join(root, RULES), 'utf8'));

/** GitHub's anchor of a heading. */
const slug = (heading: string) => heading.toLowerCase().replaceAll(/[^\p{L}\p{N} _-]/gu, '').replaceAll(' ', '-');

/** The anchors of the headings of a Markdown file, and those of the runbook section's own headings. */
function headingsOf(markdown: string) {
  const lines = markdown.replaceAll(/^```[\s\S]*?^```/gm, '').split('\n');
  const all = new Set(lines.filter((line) => /^#+ /.test(line)).map((line) => slug(line.replace(/^#+ /, ''))));
  const start = lines.findIndex((line) => RUNBOOK_SECTION.test(line));
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  const runbooks = lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => line.startsWith('### ')).map((line) => slug(line.slice(4)));
  return { all, runbooks: start < 0 ? [] : runbooks };
}

/** The metric names of an expression: identifiers that are not functions, keywords, labels or durations. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replaceAll(/"(?:[^"\\]|\\.)*"/g, '""')
    .replaceAll(/\{[^}]*\}/g, '')
    .replaceAll(/\[[^\]]*\]/g, '')
    .replaceAll(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)].filter(([, name, call]) => !call && !KEYWORDS.has(name as string) && !PROMQL_FUNCTIONS.has(name as string)).map(([, name]) => name as string);
  return [...new Set(names)];
}

/** What an expression gets wrong that can be seen without parsing PromQL: delimiters, unknown functions, ranges. */
function exprProblems(expr: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  for (const c of expr.replaceAll(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(c)) stack.push(c);
    else if (')]}'.includes(c) && stack.pop() !== '([{'[')]}'.indexOf(c)]) problems.push(`unbalanced ${c}`);
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join('')}`);
  for (const [, name] of expr.matchAll(/([a-zA-Z_]+)\s*\(/g)) {
    if (!PROMQL_FUNCTIONS.has(name as string) && !KEYWORDS.has(name as string)) problems.push(`unknown function ${name}`);
  }
  for (const [, range] of expr.matchAll(/\[([^\]]*)\]/g)) if (!/^\d+[smhdwy]$/.test(range as string)) problems.push(`range [${range}]`);
  return problems;
}

/** The problems of a rule file against the runbooks and the metrics the code registers. */
function ruleProblems(rules: Rule[], runbooks: string, registered: (metric: string) => boolean): string[] {
  const headings = headingsOf(runbooks);
  const problems: string[] = [];
  for (const rule of rules) {
    const name = rule.alert ?? JSON.stringify(rule);
    const say = (problem: string) => problems.push(`${name}: ${problem}`);
    if (!rule.alert || !/^[A-Z][A-Za-z]+$/.test(rule.alert)) say('an alert name in CamelCase');
    if (!rule.for || !/^\d+[smh]$/.test(rule.for)) say('a `for` duration');
    if (!['warning', 'critical'].includes(rule.labels?.severity ?? '')) say('labels.severity warning or critical');
    if (!rule.annotations?.summary) say('annotations.summary');
    const [file, anchor] = (rule.annotations?.runbook_url ?? '').split('#');
    if (file !== RUNBOOKS || !anchor || !headings.all.has(anchor)) say(`runbook_url ${rule.annotations?.runbook_url}: a heading of ${RUNBOOKS}`);
    if (!rule.expr) say('an expr');
    for (const problem of exprProblems(rule.expr ?? '')) say(`expr: ${problem}`);
    for (const metric of metricsOf(rule.expr ?? '')) if (!registered(metric) && !ANNOUNCED.has(metric)) say(`no service registers ${metric}`);
  }
  const runbooksOfRules = rules.map((rule) => rule.annotations?.runbook_url?.split('#')[1]);
  const orphans = headings.runbooks.filter((anchor) => !runbooksOfRules.includes(anchor));
  if (orphans.length > 0) problems.push(`runbooks without an alert: ${orphans.join(', ')}`);
  return problems;
}

const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
  .map((file) => readFileSync(join(root, 'src', file), 'utf8'))
  .join('\n');
const registered = (metric: string) => sources.includes(`'${metric}'`);
const runbooks = readFileSync(join(root, RUNBOOKS), 'utf8');

describe(RULES, () => {
  test(`every rule: name, expr, for, severity, summary, a runbook in ${RUNBOOKS}, metrics the services register`, (t) => {
    const rules = rulesOf(readRules());
    t.diagnostic(rules.map((rule) => `${rule.alert}: ${rule.expr?.trim().replaceAll(/\s+/g, ' ')}`).join('\n'));
    assert.deepEqual(ruleProblems(rules, runbooks, registered), []);
    const watched = new Set(rules.flatMap((rule) => metricsOf(rule.expr ?? '')));
    assert.deepEqual(WATCHED.filter((metric) => !watched.has(metric)), [], 'an alert for each');
    const waiting = [...ANNOUNCED].filter((metric) => !registered(metric));
    if (waiting.length > 0) t.diagnostic(`not registered by the services yet: ${waiting.join(', ')}`);
  });

  test('a broken rule is caught: no severity, a runbook with no heading, an unknown function, an open parenthesis', () => {
    const [first] = rulesOf(readRules()) as [Rule];
    const broken: Rule[] = [
      { ...first, labels: {} },
      { ...first, alert: 'NoRunbook', annotations: { ...first.annotations, runbook_url: `${RUNBOOKS}#nowhere` } },
      { ...first, alert: 'Typo', expr: 'max_ovr_time(dead_letters_waiting[5m]) > 0' },
      { ...first, alert: 'Open', expr: 'max without (pod (dead_letters_waiting) > 0' },
      { ...first, alert: 'Unknown', expr: 'dead_letter_waiting > 0' },
    ];
    const problems = ruleProblems(broken, runbooks, registered).join('\n');
    for (const expected of [/labels\.severity/, /NoRunbook: runbook_url/, /Typo: expr: unknown function max_ovr_time/, /Open: expr: unclosed \(/, /Unknown: no service registers dead_letter_waiting/]) {
      assert.match(problems, expected);
    }
    assert.match(ruleProblems([], runbooks, registered).join('\n'), /runbooks without an alert: ordersoverdue/);
  });
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const promtoolMissing = promtool.error || promtool.status !== 0 ? 'promtool not installed (apt-get install prometheus)' : undefined;
const skip = promtoolMissing && process.env.REQUIRE_PROMTOOL !== '1' ? promtoolMissing : false;

describe(`promtool (${promtool.stdout?.split('\n')[0] || promtoolMissing})`, () => {
  const run = (...args: string[]) => spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });

  test(`check rules ${RULES} and test rules ${CASES}`, { skip }, (t) => {
    assert.equal(promtoolMissing, undefined, promtoolMissing);
    for (const args of [['check', 'rules', RULES], ['test', 'rules', CASES]]) {
      const result = run(...args);
      t.diagnostic(`promtool ${args.join(' ')}: ${result.stdout.trim()}`);
      assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
    }
  });

  test('promtool refuses a rule that does not parse, and a case whose alert does not fire', { skip }, () => {
    assert.equal(promtoolMissing, undefined, promtoolMissing);
    const dir = mkdtempSync(join(tmpdir(), 'streamshop-alerts-'));
    try {
      const document = readRules();
      writeFileSync(join(dir, 'broken.yaml'), stringify({ groups: [{ name: 'x', rules: [{ ...rulesOf(document)[0], expr: 'max without (pod) (orders_overdue > 0' }] }] }));
      assert.notEqual(run('check', 'rules', join(dir, 'broken.yaml')).status, 0, 'an open parenthesis');
      const slower = rulesOf(document).map((rule) => (rule.alert === 'OrdersOverdue' ? { ...rule, for: '30m' } : rule));
      writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'streamshop', rules: slower }] }));
      writeFileSync(join(dir, 'cases.yaml'), readFileSync(join(root, CASES), 'utf8'));
      assert.notEqual(run('test', 'rules', join(dir, 'cases.yaml')).status, 0, 'OrdersOverdue waiting 30 minutes misses its case');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
