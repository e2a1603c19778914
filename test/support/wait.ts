/**
 * Polls `fn` until it returns a truthy value and returns that value: the worker, the pollers, the fakes and
 * the sockets run on their own, so a test waits for their effects instead of sleeping.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  what = 'a condition',
  timeoutMs = 10_000,
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as Exclude<T, false | 0 | '' | null | undefined>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
