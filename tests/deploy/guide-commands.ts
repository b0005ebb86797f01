/**
 * The shell commands of a Markdown guide, as a reader would type them: the lines of its ```sh blocks (continued
 * lines joined, comments dropped, `for x in a b; do ...; done` unrolled, pipelines and lists split into single
 * commands), and the inline code spans of its prose that start with a command name. Each comes as its words,
 * quotes removed, with the block it came from (-1 for prose).
 */

export interface Command {
  words: string[];
  block: number;
  text: string;
}

const SHELL_FENCE = /^```(sh|bash|shell)\s*$/;

/** The text of each shell block, in order. */
function shellBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const trimmed = line.trimStart();
    if (current === undefined && fence === undefined && trimmed.startsWith('```')) {
      if (SHELL_FENCE.test(trimmed)) current = [];
      else fence = trimmed;
    } else if (trimmed.startsWith('```')) {
      if (current) blocks.push(current.join('\n'));
      current = undefined;
      fence = undefined;
    } else {
      current?.push(line);
    }
  }
  return blocks;
}

/** Splits a line into words and the operators between commands (|, ||, &&, ;, &); `#` starts a comment. */
export function tokens(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  let depth = 0; // inside $( ... ), where operators belong to the inner command
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else word = (word ?? '') + c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (c === '$' && line[i + 1] === '(') {
      depth++;
      word = `${word ?? ''}$(`;
      i++;
    } else if (c === ')' && depth > 0) {
      depth--;
      word = `${word ?? ''})`;
    } else if (depth === 0 && /\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (depth === 0 && c === '#' && word === undefined) {
      break;
    } else if (depth === 0 && '|&;'.includes(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
      const pair = line.slice(i, i + 2);
      const operator = ['||', '&&'].includes(pair) ? pair : c;
      out.push(operator);
      i += operator.length - 1;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

const OPERATORS = new Set(['|', '||', '&&', ';', '&']);

/** `for x in a b; do body; done` as the body once per value, $x and ${x} replaced; other lines as they are. */
function unrollFor(words: string[]): string[][] {
  const [keyword, variable, inWord] = words;
  if (keyword !== 'for' || inWord !== 'in' || !variable) return [words];
  const doAt = words.indexOf('do');
  const doneAt = words.lastIndexOf('done');
  const values = words.slice(3, doAt).filter((word) => !OPERATORS.has(word));
  const body = words.slice(doAt + 1, doneAt);
  const pattern = new RegExp(`\\$\\{?${variable}\\}?`, 'g');
  return values.map((value) => [...body.map((word) => word.replace(pattern, value)), ';']);
}

function commandsOf(words: string[]): string[][] {
  const commands: string[][] = [[]];
  for (const word of words) {
    if (OPERATORS.has(word)) commands.push([]);
    else commands.at(-1)!.push(word);
  }
  return commands.filter((command) => command.length > 0);
}

export function guideCommands(markdown: string): Command[] {
  const commands: Command[] = [];
  shellBlocks(markdown).forEach((text, block) => {
    const lines = text.replaceAll(/\\\n/g, ' ').split('\n');
    for (const line of lines) {
      for (const unrolled of unrollFor(tokens(line))) {
        for (const words of commandsOf(unrolled)) commands.push({ words, block, text: line.trim().replaceAll(/\s+/g, ' ') });
      }
    }
  });
  const prose = markdown.replaceAll(/^\s*```[\s\S]*?^\s*```/gm, '');
  for (const [, code] of prose.matchAll(/`((?:kubectl|kind|minikube|docker) [^`]+)`/g)) {
    for (const words of commandsOf(tokens(code as string))) commands.push({ words, block: -1, text: code as string });
  }
  return commands;
}

/** A kubectl command line taken apart: its verb (and sub-verb), flags by name, and the other words. */
export interface Kubectl {
  verb: string;
  positional: string[];
  flags: Map<string, string[]>;
}

/** Flags that take the next word as their value when not written --flag=value. */
const VALUED = new Set(['-n', '--namespace', '-l', '--selector', '-f', '--filename', '-k', '--kustomize', '-o', '--output', '-c', '--container', '-p', '--patch', '--type', '--for', '--timeout', '--field-selector']);
const ALIASES: Record<string, string> = { '-n': '--namespace', '-l': '--selector', '-f': '--filename', '-k': '--kustomize', '-o': '--output', '-p': '--patch', '-c': '--container' };

export function parseKubectl(words: string[]): Kubectl | undefined {
  if (words[0] !== 'kubectl') return undefined;
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('-') || word === '-') {
      positional.push(word);
      continue;
    }
    const [name, inline] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const value = inline ?? (VALUED.has(name) ? (words[++i] ?? '') : '');
    const key = ALIASES[name] ?? name;
    flags.set(key, [...(flags.get(key) ?? []), value]);
  }
  const [verb = '', ...rest] = positional;
  return { verb, positional: rest, flags };
}
