import { localMinute, quietHoursEnd } from "./quiet-hours";

describe("quietHoursEnd", () => {
  const overnight = { start: 21 * 60, end: 8 * 60 };

  it("defers to the morning across midnight in the shop's zone", () => {
    // 23:30 in New York (UTC-5 in December) is 04:30 UTC.
    const at = new Date("2026-12-02T04:30:00Z");
    expect(localMinute(at, "America/New_York")).toBe(23 * 60 + 30);
    expect(quietHoursEnd(at, "America/New_York", overnight)).toEqual(
      new Date("2026-12-02T13:00:00Z"),
    );
  });

  it("lets mail go outside quiet hours", () => {
    const at = new Date("2026-12-02T15:00:00Z"); // 10:00 New York
    expect(quietHoursEnd(at, "America/New_York", overnight)).toBeNull();
  });

  it("treats the end minute as outside", () => {
    const at = new Date("2026-12-02T13:00:00Z"); // 08:00 New York
    expect(quietHoursEnd(at, "America/New_York", overnight)).toBeNull();
  });

  it("handles quiet hours within one day", () => {
    const lunch = { start: 12 * 60, end: 13 * 60 };
    const at = new Date("2026-12-02T12:15:00Z");
    expect(quietHoursEnd(at, "UTC", lunch)).toEqual(
      new Date("2026-12-02T13:00:00Z"),
    );
  });

  it("is off without both ends", () => {
    const at = new Date("2026-12-02T04:30:00Z");
    expect(quietHoursEnd(at, "UTC", { start: null, end: 8 * 60 })).toBeNull();
  });
});
