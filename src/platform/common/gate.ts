/**
 * A gate work waits at while it is closed: the embedded default's stand-in for SIGSTOP, with which a test or the
 * styles' comparison freezes one service of the one process (its requests, its deliveries, its relay) and thaws it.
 */
export interface Gate {
  /** Resolves at once while open; while closed, when the gate opens again. */
  pass(): Promise<void>;
  close(): void;
  open(): void;
  isClosed(): boolean;
}

export function createGate(): Gate {
  let opened: Promise<void> | undefined;
  let openIt = () => {};
  return {
    pass: () => opened ?? Promise.resolve(),
    close() {
      opened ??= new Promise<void>((resolve) => (openIt = resolve));
    },
    open() {
      openIt();
      opened = undefined;
    },
    isClosed: () => opened !== undefined,
  };
}
