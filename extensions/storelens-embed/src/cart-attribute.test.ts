import {
  CART_ATTRIBUTE,
  CART_SESSION_KEY,
  createCartAttributeWriter,
} from "./cart-attribute";

const SESSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const NEXT_SESSION = "16fd2706-8baf-433b-82eb-8c7fada847da";

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

/** Stubs fetch with one response for every request. */
function stubFetch(respond: () => Response | Promise<never>) {
  const fetchMock = vi.fn(async (_url: string, _init: RequestInit) =>
    respond(),
  );
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("createCartAttributeWriter", () => {
  it("posts the session id as a hidden attribute", async () => {
    const fetchMock = stubFetch(() => new Response("{}"));
    const storage = memoryStorage();
    createCartAttributeWriter(() => storage, "/")(SESSION);
    await settle();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/cart/update.js");
    expect(init.method).toBe("POST");
    expect(init.headers).toEqual({ "Content-Type": "application/json" });
    expect(JSON.parse(String(init.body))).toEqual({
      attributes: { [CART_ATTRIBUTE]: SESSION },
    });
    expect(CART_ATTRIBUTE).toBe("_storelens_session");
    expect(storage.values.get(CART_SESSION_KEY)).toBe(SESSION);
  });

  it("writes once per session id", async () => {
    const fetchMock = stubFetch(() => new Response("{}"));
    const storage = memoryStorage();
    const write = createCartAttributeWriter(() => storage, "/");
    write(SESSION);
    write(SESSION);
    await settle();
    createCartAttributeWriter(() => storage, "/")(SESSION);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);

    write(NEXT_SESSION);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(storage.values.get(CART_SESSION_KEY)).toBe(NEXT_SESSION);
  });

  it("uses the locale root", async () => {
    const fetchMock = stubFetch(() => new Response("{}"));
    createCartAttributeWriter(() => memoryStorage(), "/fr/")(SESSION);
    await settle();
    expect(fetchMock.mock.calls[0][0]).toBe("/fr/cart/update.js");
  });

  it("stops asking after a 404", async () => {
    const fetchMock = stubFetch(() => new Response("", { status: 404 }));
    const storage = memoryStorage();
    createCartAttributeWriter(() => storage, "/")(SESSION);
    await settle();
    createCartAttributeWriter(() => storage, "/")(SESSION);
    await settle();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(storage.values.get(CART_SESSION_KEY)).toBe(SESSION);
  });

  it("tries again on the next page after a failure", async () => {
    const fetchMock = stubFetch(() =>
      Promise.reject(new TypeError("Failed to fetch")),
    );
    const storage = memoryStorage();
    const write = createCartAttributeWriter(() => storage, "/");
    write(SESSION);
    await settle();
    write(SESSION);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(storage.values.has(CART_SESSION_KEY)).toBe(false);

    stubFetch(() => new Response("{}", { status: 500 }));
    createCartAttributeWriter(() => storage, "/")(SESSION);
    await settle();
    expect(storage.values.has(CART_SESSION_KEY)).toBe(false);
  });

  it("works with blocked storage", async () => {
    const fetchMock = stubFetch(() => new Response("{}"));
    const write = createCartAttributeWriter(() => blockedStorage, "/");
    expect(() => write(SESSION)).not.toThrow();
    await settle();
    write(SESSION);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
