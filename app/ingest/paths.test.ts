import { storablePath, storableReferrer } from "./paths";

describe("storablePath", () => {
  it("drops query strings and fragments", () => {
    expect(storablePath("/products/x?email=jane@example.com")).toBe(
      "/products/x",
    );
    expect(storablePath("/pages/faq#returns")).toBe("/pages/faq");
    expect(storablePath("/?q=1")).toBe("/");
  });

  it("masks token segments", () => {
    expect(
      storablePath("/checkouts/cn/Z2NwLWV1cm9wZS13ZXN0NDox123/thank-you"),
    ).toBe("/checkouts/cn/:token/thank-you");
    expect(
      storablePath("/account/activate/7001/3f9a0b7c2d1e4f5a6b7c8d9e0f1a2b3c"),
    ).toBe("/account/activate/7001/:token");
  });

  it("keeps ordinary handles, even long ones", () => {
    expect(storablePath("/products/organic-cotton-relaxed-fit-shirt")).toBe(
      "/products/organic-cotton-relaxed-fit-shirt",
    );
  });
});

describe("storableReferrer", () => {
  it("keeps origin and path only", () => {
    expect(
      storableReferrer("https://mail.example/inbox?to=jane@example.com"),
    ).toBe("https://mail.example/inbox");
  });

  it("drops what is not an http(s) URL", () => {
    expect(storableReferrer("android-app://com.google")).toBe("");
    expect(storableReferrer("not a url")).toBe("");
    expect(storableReferrer("")).toBe("");
  });
});
