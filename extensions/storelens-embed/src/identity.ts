// Visitor and session ids. Callers must have analytics consent before
// calling `touchIdentity`, because it writes to localStorage.

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

/**
 * Returns the visitor and session ids, creating them when missing, and
 * records `now` as the session's last activity. A stored session is
 * `<uuid> <last activity in epoch ms>`.
 */
export function touchIdentity(
  storage: KeyValueStore | undefined,
  now: number,
): Identity {
  let visitorId = read(storage, VISITOR_KEY);
  if (!UUID.test(visitorId)) {
    visitorId = uuid();
    write(storage, VISITOR_KEY, visitorId);
  }
  const [storedId, lastActivity] = read(storage, SESSION_KEY).split(" ");
  const idle = now - Number(lastActivity);
  const sessionId =
    UUID.test(storedId) && idle >= 0 && idle < SESSION_IDLE_MS
      ? storedId
      : uuid();
  write(storage, SESSION_KEY, sessionId + " " + now);
  return { visitorId, sessionId };
}
