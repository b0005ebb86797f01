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
