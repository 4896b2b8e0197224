/** Waiting in tests for something a real process does in its own time. */

/** Resolves with the first truthy value `check` returns; fails naming `what` after `limitMs`. */
export async function until<T>(check: () => T | undefined | false, what: string, limitMs = 10_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
