// Waiting in tests for what cannot be awaited directly (a message on a socket, a row another
// process wrote, a process that started): the condition is checked again and again until it holds.
// Use it instead of a sleep, so a test takes as long as the thing it waits for and no longer.

export interface WaitOptions {
  /** Fails after this long; a deadline for a test that would otherwise hang, not a measurement. */
  timeoutMs?: number;
  /** Time between two checks. */
  intervalMs?: number;
  /** What is waited for, for the failure's message. */
  what?: string;
}

/** Resolves with the condition's first truthy value; rejects after `timeoutMs` (default 30 s). */
export async function waitFor<T>(condition: () => T | Promise<T>, { timeoutMs = 30_000, intervalMs = 20, what }: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
