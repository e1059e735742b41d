// SPDX-License-Identifier: Apache-2.0

/**
 * Polls `fn` every 100 ms until it returns something other than undefined, and returns
 * that; fails naming `what` after `timeoutMs`. For tests that wait on controllers.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
