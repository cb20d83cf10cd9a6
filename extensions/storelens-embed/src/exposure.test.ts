import { exposureSchema } from "../../../app/ingest/exposure-schema.server";
import { exposureFromPage } from "./exposure";

const AT = Date.UTC(2026, 10, 20, 14, 0, 0);

describe("exposureFromPage", () => {
  it("reads the query string", () => {
    expect(
      exposureFromPage("?utm_source=x&sl_variant=sticky-cart:b", "", AT),
    ).toEqual({
      type: "exposure",
      experiment: "sticky-cart",
      variant: "b",
      at: AT,
    });
  });

  it("reads an encoded colon", () => {
    const exposure = exposureFromPage("?sl_variant=hero.v2%3Acontrol", "", AT);
    expect(exposure?.experiment).toBe("hero.v2");
    expect(exposure?.variant).toBe("control");
  });

  it("falls back to the cookie", () => {
    const cookie = "_shopify_y=abc; sl_variant=free_ship:treatment; other=1";
    const exposure = exposureFromPage("?q=shirt", cookie, AT);
    expect(exposure?.experiment).toBe("free_ship");
    expect(exposure?.variant).toBe("treatment");
  });

  it("prefers the query string over the cookie", () => {
    const exposure = exposureFromPage(
      "?sl_variant=banner:b",
      "sl_variant=banner:a",
      AT,
    );
    expect(exposure?.variant).toBe("b");
  });

  it.each([
    ["no parameter", "?q=1", ""],
    ["no variant", "?sl_variant=banner", ""],
    ["empty variant", "?sl_variant=banner:", ""],
    ["three parts", "?sl_variant=a:b:c", ""],
    ["markup", "?sl_variant=a:<b>", ""],
    ["leading dash", "?sl_variant=-a:b", ""],
    ["overlong key", `?sl_variant=${"k".repeat(65)}:b`, ""],
    ["similar name", "?xsl_variant=a:b", "my_sl_variant=a:b"],
  ])("ignores %s", (_name, search, cookie) => {
    expect(exposureFromPage(search, cookie, AT)).toBeUndefined();
  });

  it("produces what the server accepts", () => {
    const exposure = exposureFromPage(
      `?sl_variant=${"k".repeat(64)}:b`,
      "",
      AT,
    );
    expect(exposureSchema.safeParse(exposure).success).toBe(true);
  });
});
