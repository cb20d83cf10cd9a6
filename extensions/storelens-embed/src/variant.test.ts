import { variantExposure } from "./variant";

const AT = Date.UTC(2026, 11, 4);

describe("variantExposure", () => {
  it("reads the URL parameter first", () => {
    expect(
      variantExposure("?a=1&sl_variant=hero.v2%3Ab", "sl_variant=other:c", AT),
    ).toEqual({
      type: "exposure",
      experiment: "hero.v2",
      variant: "b",
      at: AT,
    });
  });

  it("falls back to the cookie", () => {
    expect(
      variantExposure("", "theme=dark; sl_variant=free_ship%3Atreatment", AT),
    ).toMatchObject({ experiment: "free_ship", variant: "treatment" });
  });

  it.each([
    ["nothing", "", ""],
    ["no variant", "?sl_variant=banner", ""],
    ["three parts", "?sl_variant=a:b:c", ""],
    ["markup", "?sl_variant=a:%3Cb%3E", ""],
    ["a key over 64 characters", `?sl_variant=${"x".repeat(65)}:b`, ""],
    ["a broken cookie escape", "", "sl_variant=a%3:b"],
    ["a cookie of another name", "", "xsl_variant=a:b"],
  ])("ignores %s", (_name, search, cookie) => {
    expect(variantExposure(search, cookie, AT)).toBeUndefined();
  });
});
