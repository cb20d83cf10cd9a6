// Visitor and session ids, shared by the embed and the web pixel through
// the storefront's localStorage. Callers must have analytics consent before
// calling `touchIdentity` or storing the writes of `resolveIdentity`.

export const VISITOR_KEY = "storelens:vid";
export const SESSION_KEY = "storelens:sid";
/** A session ends after 30 minutes without activity. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Identity {
  visitorId: string;
  sessionId: string;
}

type KeyValueStore = Pick<Storage, "getItem" | "setItem">;

/** Returns a random version 4 UUID. */
export function uuid(): string {
  // `randomUUID` is missing outside secure contexts and in Safari before 15.4.
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let hex = "";
  for (let i = 0; i < 16; i++) {
    hex += (bytes[i] + 0x100).toString(16).slice(1);
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += "-";
  }
  return hex;
}

// Ids kept for this page load when storage is blocked (Safari private
// windows, storage disabled by the shopper), so one page still reports one
// visitor and one session.
const memory: Record<string, string> = {};

function read(storage: KeyValueStore | undefined, key: string): string {
  try {
    const value = storage && storage.getItem(key);
    if (value) return value;
  } catch {
    // Reading storage throws when the shopper has blocked it.
  }
  return memory[key] || "";
}

function write(storage: KeyValueStore | undefined, key: string, value: string) {
  memory[key] = value;
  try {
    if (storage) storage.setItem(key, value);
  } catch {
    // Blocked storage or a full quota: the in-memory copy stays in use.
  }
}

export interface ResolvedIdentity extends Identity {
  /** True when the session id was created now: none stored, or idle. */
  newSession: boolean;
  /** Key and value pairs the caller must store, in this order. */
  writes: [key: string, value: string][];
}

/**
 * Decides the visitor and session ids from the stored values of
 * VISITOR_KEY and SESSION_KEY, and records `now` as the session's last
 * activity. A stored session is `<uuid> <last activity in epoch ms>`. Pure
 * apart from new UUIDs, so the embed and the web pixel, which reach the
 * same localStorage through different APIs, take the same decision.
 */
export function resolveIdentity(
  storedVisitor: string | null | undefined,
  storedSession: string | null | undefined,
  now: number,
): ResolvedIdentity {
  const writes: [string, string][] = [];
  let visitorId = storedVisitor || "";
  if (!UUID.test(visitorId)) {
    visitorId = uuid();
    writes.push([VISITOR_KEY, visitorId]);
  }
  const [storedId, lastActivity] = (storedSession || "").split(" ");
  const idle = now - Number(lastActivity);
  // A last activity after `now` means the clock was set back. The stored
  // time then cannot measure idleness, so a new session starts.
  const newSession = !(
    UUID.test(storedId) &&
    idle >= 0 &&
    idle < SESSION_IDLE_MS
  );
  const sessionId = newSession ? uuid() : storedId;
  writes.push([SESSION_KEY, sessionId + " " + now]);
  return { visitorId, sessionId, newSession, writes };
}

/**
 * Returns the visitor and session ids, creating them when missing, and
 * records `now` as the session's last activity in `storage`.
 */
export function touchIdentity(
  storage: KeyValueStore | undefined,
  now: number,
): Identity {
  const resolved = resolveIdentity(
    read(storage, VISITOR_KEY),
    read(storage, SESSION_KEY),
    now,
  );
  for (const [key, value] of resolved.writes) write(storage, key, value);
  return { visitorId: resolved.visitorId, sessionId: resolved.sessionId };
}
