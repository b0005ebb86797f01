/** Progress on stderr: one line rewritten in place on a terminal, phase lines otherwise. */
const tty = process.stderr.isTTY === true;
let lastLine = '';
export function progress(text: string, phase = false): void {
  if (tty) {
    process.stderr.write(`\r${text.padEnd(Math.max(lastLine.length, text.length))}`);
    lastLine = text;
  } else if (phase) {
    process.stderr.write(`${text}\n`);
  }
}
export function progressDone(): void {
  if (tty && lastLine) process.stderr.write(`\r${' '.repeat(lastLine.length)}\r`);
  lastLine = '';
}

/**
 * Runs a bench command's `main` when its file is the script node was started with (not when a test imports it), and
 * exits with its code: 130 once interrupted, 2 when it failed.
 */
export function runAsScript(meta: ImportMeta, main: (argv: string[]) => Promise<number>, command: { failed: string; interrupted(): boolean }): void {
  if (meta.url !== `file://${process.argv[1]}`) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      progressDone();
      if (command.interrupted()) process.exit(130);
      console.error(command.failed, error);
      process.exit(2);
    },
  );
}
