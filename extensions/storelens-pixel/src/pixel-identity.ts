// Visitor and session ids in the pixel. `browser.localStorage` reaches the
// storefront's localStorage, where the embed keeps the same ids, but each
// call is an asynchronous message to the page. The decision itself is the
// embed's `resolveIdentity`, so both scripts agree on the ids.

import {
  resolveIdentity,
  SESSION_KEY,
  VISITOR_KEY,
  type ResolvedIdentity,
} from "../../storelens-embed/src/identity";

export interface AsyncKeyValueStore {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<unknown>;
}

/**
 * Returns a function that resolves the ids and records the current time as
 * session activity. Calls run one after another: two events resolved at
 * once would otherwise both find no session and create two. When storage
 * is blocked, the ids live in memory for the life of the pixel.
 */
export function createIdentitySource(
  storage: AsyncKeyValueStore,
  clock: () => number = Date.now,
): () => Promise<ResolvedIdentity> {
  const memory: Record<string, string> = {};
  let previous: Promise<unknown> = Promise.resolve();

  async function read(key: string): Promise<string> {
    try {
      const value = await storage.getItem(key);
      if (typeof value === "string" && value) return value;
    } catch {
      // The sandbox rejects when the shopper blocks site data.
    }
    return memory[key] || "";
  }

  async function write(key: string, value: string): Promise<void> {
    memory[key] = value;
    try {
      await storage.setItem(key, value);
    } catch {
      // Blocked storage or a full quota: the in-memory copy stays in use.
    }
  }

  async function touch(): Promise<ResolvedIdentity> {
    const visitor = await read(VISITOR_KEY);
    const session = await read(SESSION_KEY);
    // The time is taken after the reads: the embed may have written a
    // later activity time meanwhile, and a stored time after `now` would
    // start a new session.
    const resolved = resolveIdentity(visitor, session, clock());
    for (const [key, value] of resolved.writes) await write(key, value);
    return resolved;
  }

  return () => {
    const result = previous.then(touch);
    previous = result.catch(() => undefined);
    return result;
  };
}
