import { groupJsErrors, normaliseErrorMessage } from "./js-errors";
import type { JsErrorRow } from "./types";

function error(
  message: string,
  sessionId: string,
  at: number,
  path = "/products/linen-shirt",
): JsErrorRow {
  return { sessionId, pageViewId: `${sessionId}-p`, path, message, at };
}

describe("normaliseErrorMessage", () => {
  it("replaces URLs, ids and numbers", () => {
    expect(
      normaliseErrorMessage(
        "Failed to load https://cdn.shop.com/s/files/1/app.js?v=123 at line 42:7",
      ),
    ).toBe("Failed to load <url> at line <n>:<n>");
    expect(
      normaliseErrorMessage(
        "Variant 4b1e2f6a-9c3d-4e5f-8a7b-0c1d2e3f4a5b not found",
      ),
    ).toBe("Variant <id> not found");
    expect(
      normaliseErrorMessage(
        "Cannot read properties of undefined (reading 'price')",
      ),
    ).toBe("Cannot read properties of undefined (reading 'price')");
  });

  it("collapses whitespace and caps the length", () => {
    expect(normaliseErrorMessage("  a \n  b  ")).toBe("a b");
    expect(normaliseErrorMessage("x".repeat(400))).toHaveLength(300);
  });

  it("keeps words made of hex letters", () => {
    expect(normaliseErrorMessage("deadbeefcafe is undefined")).toBe(
      "deadbeefcafe is undefined",
    );
  });
});

describe("groupJsErrors", () => {
  it("groups by normalised message and path", () => {
    const errors = [
      error("Timeout after 3000 ms", "s1", 10),
      error("Timeout after 5000 ms", "s1", 20),
      error("Timeout after 4000 ms", "s2", 5),
      error("Timeout after 3000 ms", "s3", 30, "/cart"),
      error("Script error.", "s4", 40),
    ];
    expect(groupJsErrors(errors)).toEqual([
      {
        message: "Timeout after <n> ms",
        path: "/products/linen-shirt",
        count: 3,
        sessions: 2,
        firstAt: 5,
        lastAt: 20,
      },
      {
        message: "Script error.",
        path: "/products/linen-shirt",
        count: 1,
        sessions: 1,
        firstAt: 40,
        lastAt: 40,
      },
      {
        message: "Timeout after <n> ms",
        path: "/cart",
        count: 1,
        sessions: 1,
        firstAt: 30,
        lastAt: 30,
      },
    ]);
  });

  it("returns no groups without errors", () => {
    expect(groupJsErrors([])).toEqual([]);
  });
});
