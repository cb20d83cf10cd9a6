/**
 * Polls `read` every 250 ms until it returns a value other than null, and
 * throws after `timeoutMs` naming what was awaited.
 */
export async function waitFor<T>(
  read: () => Promise<T | null>,
  awaited: string,
  timeoutMs = 25_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${awaited}`);
}
