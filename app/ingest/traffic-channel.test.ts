import { classifyChannel, deviceFromUserAgent } from "./traffic-channel";

const OWN = ["fernwood.example", "fernwood.myshopify.com"];

describe("classifyChannel", () => {
  const cases: [string, Parameters<typeof classifyChannel>[0], string][] = [
    ["no referrer", { referrer: "" }, "direct"],
    ["google", { referrer: "https://www.google.de/" }, "organic_search"],
    ["bing", { referrer: "https://www.bing.com/search" }, "organic_search"],
    ["instagram", { referrer: "https://l.instagram.com/" }, "social"],
    ["t.co", { referrer: "https://t.co/abc" }, "social"],
    ["a blog", { referrer: "https://blog.example.org/post" }, "referral"],
    [
      "cpc beats a google referrer",
      { referrer: "https://www.google.com/", utmMedium: "cpc" },
      "paid",
    ],
    ["newsletter", { referrer: "", utmMedium: "Email" }, "email"],
    ["utm source only", { referrer: "", utmSource: "partner" }, "referral"],
  ];

  it.each(cases)("%s", (_name, landing, channel) => {
    const decision = classifyChannel(landing, OWN);
    expect(decision.channel).toBe(channel);
    expect(decision.inheritsPrevious).toBe(false);
  });

  it("keeps the previous channel after a PayPal return", () => {
    const decision = classifyChannel(
      { referrer: "https://www.paypal.com/checkoutnow" },
      OWN,
    );
    expect(decision.inheritsPrevious).toBe(true);
  });

  it("keeps the previous channel for the shop's own pages", () => {
    const decision = classifyChannel(
      { referrer: "https://fernwood.example/cart" },
      OWN,
    );
    expect(decision.inheritsPrevious).toBe(true);
  });
});

describe("deviceFromUserAgent", () => {
  it("tells phones, tablets and desktops apart", () => {
    expect(
      deviceFromUserAgent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
      ),
    ).toBe("mobile");
    expect(
      deviceFromUserAgent("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"),
    ).toBe("tablet");
    expect(
      deviceFromUserAgent("Mozilla/5.0 (Linux; Android 14; SM-X710) Safari"),
    ).toBe("tablet");
    expect(
      deviceFromUserAgent(
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari",
      ),
    ).toBe("mobile");
    expect(deviceFromUserAgent("Mozilla/5.0 (Windows NT 10.0)")).toBe(
      "desktop",
    );
    expect(deviceFromUserAgent(null)).toBe("desktop");
  });
});
