import { MAX_URL_LENGTH } from "../../../app/ingest/payload-types";
import { standardEvent } from "./fake-pixel-api";
import {
  landingFromPageView,
  MAX_UTM_LENGTH,
  referrerWithoutQuery,
} from "./landing";

type PageViewed = Parameters<typeof landingFromPageView>[0];

function pageView(url: string, referrer = ""): PageViewed {
  return standardEvent(url, {}, { referrer }) as PageViewed;
}

describe("referrerWithoutQuery", () => {
  it("keeps origin and path", () => {
    expect(
      referrerWithoutQuery("https://mail.example/inbox?to=jane@example.com#x"),
    ).toBe("https://mail.example/inbox");
  });

  it("returns empty for no or bad referrers", () => {
    expect(referrerWithoutQuery("")).toBe("");
    expect(referrerWithoutQuery("not a url")).toBe("");
    expect(referrerWithoutQuery(undefined)).toBe("");
  });

  it("cuts a long referrer", () => {
    const long = "https://a.example/" + "x".repeat(MAX_URL_LENGTH);
    expect(referrerWithoutQuery(long)).toHaveLength(MAX_URL_LENGTH);
  });
});

describe("landingFromPageView", () => {
  it("reads UTM parameters from the page URL", () => {
    const landing = landingFromPageView(
      pageView(
        "/?utm_source=ads&utm_medium=cpc&utm_campaign=sale&utm_term=shirt",
      ),
    );
    expect(landing).toEqual({
      path: "/",
      referrer: "",
      utmSource: "ads",
      utmMedium: "cpc",
      utmCampaign: "sale",
    });
  });

  it("cuts UTM values to 200 characters", () => {
    const value = "v".repeat(MAX_UTM_LENGTH + 50);
    const landing = landingFromPageView(pageView(`/?utm_campaign=${value}`));
    expect(landing?.utmCampaign).toHaveLength(MAX_UTM_LENGTH);
  });

  it("leaves out empty UTM parameters", () => {
    const landing = landingFromPageView(pageView("/?utm_source="));
    expect(landing).not.toHaveProperty("utmSource");
  });

  it("drops the referrer's query string", () => {
    const landing = landingFromPageView(
      pageView("/products/linen-shirt", "https://www.bing.com/search?q=x"),
    );
    expect(landing?.referrer).toBe("https://www.bing.com/search");
  });

  it("returns undefined without a page context", () => {
    const event = { ...pageView("/"), context: undefined };
    expect(landingFromPageView(event as unknown as PageViewed)).toBeUndefined();
  });
});
