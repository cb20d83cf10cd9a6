import {
  resolveIdentity,
  SESSION_IDLE_MS,
  SESSION_KEY,
  touchIdentity,
  uuid,
  VISITOR_KEY,
} from "./identity";

const UUID_V4 =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  };
}

const blockedStorage = {
  getItem(): string | null {
    throw new DOMException("blocked", "SecurityError");
  },
  setItem(): void {
    throw new DOMException("blocked", "SecurityError");
  },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("uuid", () => {
  it("returns a version 4 UUID", () => {
    expect(uuid()).toMatch(UUID_V4);
  });

  it("falls back to getRandomValues", () => {
    const real = globalThis.crypto;
    vi.stubGlobal("crypto", {
      getRandomValues: real.getRandomValues.bind(real),
    });
    const ids = new Set([uuid(), uuid(), uuid()]);
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });
});

describe("touchIdentity", () => {
  const start = 1_700_000_000_000;

  it("stores new ids on first use", () => {
    const storage = memoryStorage();
    const identity = touchIdentity(storage, start);
    expect(identity.visitorId).toMatch(UUID_V4);
    expect(identity.sessionId).toMatch(UUID_V4);
    expect(storage.values.get(VISITOR_KEY)).toBe(identity.visitorId);
    expect(storage.values.get(SESSION_KEY)).toBe(
      `${identity.sessionId} ${start}`,
    );
  });

  it("keeps the session while active", () => {
    const storage = memoryStorage();
    const first = touchIdentity(storage, start);
    const later = touchIdentity(storage, start + SESSION_IDLE_MS - 1);
    const latest = touchIdentity(storage, start + 2 * SESSION_IDLE_MS - 2);
    expect(later).toEqual(first);
    expect(latest).toEqual(first);
  });

  it("starts a session after 30 idle minutes", () => {
    const storage = memoryStorage();
    const first = touchIdentity(storage, start);
    const next = touchIdentity(storage, start + SESSION_IDLE_MS);
    expect(next.visitorId).toBe(first.visitorId);
    expect(next.sessionId).not.toBe(first.sessionId);
  });

  it("replaces a malformed stored id", () => {
    const storage = memoryStorage();
    storage.values.set(VISITOR_KEY, "not-a-uuid");
    storage.values.set(SESSION_KEY, "garbage");
    const identity = touchIdentity(storage, start);
    expect(identity.visitorId).toMatch(UUID_V4);
    expect(identity.sessionId).toMatch(UUID_V4);
  });

  it("keeps ids in memory when storage is blocked", () => {
    const first = touchIdentity(blockedStorage, start);
    const second = touchIdentity(blockedStorage, start + 1000);
    expect(first.visitorId).toMatch(UUID_V4);
    expect(second).toEqual(first);
  });
});

describe("resolveIdentity", () => {
  const start = 1_700_000_000_000;
  const visitor = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const session = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

  it("continues a recent session", () => {
    const resolved = resolveIdentity(
      visitor,
      `${session} ${start}`,
      start + 60_000,
    );
    expect(resolved.visitorId).toBe(visitor);
    expect(resolved.sessionId).toBe(session);
    expect(resolved.newSession).toBe(false);
    expect(resolved.writes).toEqual([
      [SESSION_KEY, `${session} ${start + 60_000}`],
    ]);
  });

  it("creates both ids when nothing is stored", () => {
    const resolved = resolveIdentity(null, null, start);
    expect(resolved.visitorId).toMatch(UUID_V4);
    expect(resolved.sessionId).toMatch(UUID_V4);
    expect(resolved.newSession).toBe(true);
    expect(resolved.writes).toEqual([
      [VISITOR_KEY, resolved.visitorId],
      [SESSION_KEY, `${resolved.sessionId} ${start}`],
    ]);
  });

  it("starts a session after 31 idle minutes", () => {
    const now = start + 31 * 60_000;
    const resolved = resolveIdentity(visitor, `${session} ${start}`, now);
    expect(resolved.visitorId).toBe(visitor);
    expect(resolved.sessionId).not.toBe(session);
    expect(resolved.sessionId).toMatch(UUID_V4);
    expect(resolved.newSession).toBe(true);
    expect(resolved.writes).toEqual([
      [SESSION_KEY, `${resolved.sessionId} ${now}`],
    ]);
  });

  it("starts a session when the clock went back", () => {
    const resolved = resolveIdentity(visitor, `${session} ${start}`, start - 1);
    expect(resolved.newSession).toBe(true);
    expect(resolved.sessionId).not.toBe(session);
  });

  it("matches touchIdentity for the same stored values", () => {
    const storage = memoryStorage();
    storage.values.set(VISITOR_KEY, visitor);
    storage.values.set(SESSION_KEY, `${session} ${start}`);
    const touched = touchIdentity(storage, start + 1000);
    const resolved = resolveIdentity(
      visitor,
      `${session} ${start}`,
      start + 1000,
    );
    expect(touched).toEqual({
      visitorId: resolved.visitorId,
      sessionId: resolved.sessionId,
    });
    expect(storage.values.get(SESSION_KEY)).toBe(resolved.writes[0][1]);
  });
});
