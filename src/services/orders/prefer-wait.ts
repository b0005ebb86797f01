/** The longest a client may ask to wait with `Prefer: wait=N`. */
export const MAX_WAIT_SECONDS = 30;

/**
 * Reads RFC 7240 `Prefer: wait=N` (among other preferences, quoted or not, any case); returns the seconds to wait,
 * capped at 30, or 0 when the client did not ask to wait.
 */
export function preferredWait(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /(?:^|[,;\s])wait\s*=\s*("?)(\d+)\1(?=$|[,;\s])/i.exec(header) : null;
  return match ? Math.min(Number(match[2]), MAX_WAIT_SECONDS) : 0;
}
