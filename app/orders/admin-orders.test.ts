import { throttleWaitMs } from "./admin-orders.server";

function throttledError(cost: unknown) {
  return {
    body: {
      errors: {
        graphQLErrors: [
          { message: "Throttled", extensions: { code: "THROTTLED" } },
        ],
      },
      extensions: { cost },
    },
  };
}

describe("throttleWaitMs", () => {
  it("waits until the bucket holds the query's cost", () => {
    const error = throttledError({
      requestedQueryCost: 752,
      throttleStatus: { currentlyAvailable: 252, restoreRate: 100 },
    });
    expect(throttleWaitMs(error)).toBe(5000);
  });

  it("waits at least 100 ms and at most a minute", () => {
    const tiny = throttledError({
      requestedQueryCost: 101,
      throttleStatus: { currentlyAvailable: 100, restoreRate: 100 },
    });
    const huge = throttledError({
      requestedQueryCost: 1000,
      throttleStatus: { currentlyAvailable: 0, restoreRate: 1 },
    });
    expect(throttleWaitMs(tiny)).toBe(100);
    expect(throttleWaitMs(huge)).toBe(60_000);
  });

  it("waits two seconds without cost numbers", () => {
    expect(throttleWaitMs(throttledError(undefined))).toBe(2000);
  });

  it("honours Retry-After on HTTP 429", () => {
    expect(throttleWaitMs({ response: { code: 429, retryAfter: 3 } })).toBe(
      3000,
    );
  });

  it("returns null for other errors", () => {
    const denied = {
      body: {
        errors: {
          graphQLErrors: [{ extensions: { code: "ACCESS_DENIED" } }],
        },
      },
    };
    expect(throttleWaitMs(denied)).toBeNull();
    expect(throttleWaitMs(new Error("socket hang up"))).toBeNull();
    expect(throttleWaitMs({ response: { code: 500 } })).toBeNull();
  });
});
