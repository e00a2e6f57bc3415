// How a process waits at start for what it depends on (PostgreSQL recovering, Temporal restarting): bounded
// backoff, saying what it waits for, and a non-zero exit only once the configured limit has passed.
export class DependencyTimeout extends Error {}

/**
 * Resolves with the first value `attempt` gives; while it throws, tries again after 0.5, 1, 2… s (at most 10 s
 * apart), logging each wait, until `limitMs` has passed: then throws a DependencyTimeout naming `what` and the
 * last error.
 */
export async function waitFor<T>(what: string, attempt: () => Promise<T>, limitMs: number, log: (line: string) => void = console.warn): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await attempt();
    } catch (err) {
      const reason = (err as Error).message?.split('\n')[0] ?? String(err);
      if (Date.now() + delay > deadline) throw new DependencyTimeout(`gave up waiting for ${what} after ${Math.round(limitMs / 1000)} s: ${reason}`);
      log(`waiting for ${what} (${reason}); next try in ${delay / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
