import { localDay, parseDateRange } from "./date-range.server";

const NOW = new Date("2026-03-29T00:30:00Z");

describe("parseDateRange", () => {
  it("defaults to the last seven days in the shop's time zone", () => {
    // 00:30 UTC is still the 28th in New York.
    expect(
      parseDateRange(new URLSearchParams(), "America/New_York", NOW),
    ).toEqual({
      from: "2026-03-22",
      to: "2026-03-28",
    });
    expect(parseDateRange(new URLSearchParams(), "Europe/Berlin", NOW)).toEqual(
      {
        from: "2026-03-23",
        to: "2026-03-29",
      },
    );
  });

  it("ignores invalid dates", () => {
    const params = new URLSearchParams({ from: "2026-02-30", to: "nope" });
    expect(parseDateRange(params, "UTC", NOW)).toEqual({
      from: "2026-03-23",
      to: "2026-03-29",
    });
  });

  it("swaps a reversed range", () => {
    const params = new URLSearchParams({
      from: "2026-03-20",
      to: "2026-03-10",
    });
    expect(parseDateRange(params, "UTC", NOW)).toEqual({
      from: "2026-03-10",
      to: "2026-03-20",
    });
  });

  it("clamps a range longer than a year", () => {
    const params = new URLSearchParams({
      from: "2020-01-01",
      to: "2026-03-10",
    });
    expect(parseDateRange(params, "UTC", NOW).from).toBe("2025-03-10");
  });
});

describe("localDay", () => {
  it("formats the calendar day in a zone", () => {
    expect(localDay(NOW, "Asia/Tokyo")).toBe("2026-03-29");
    expect(localDay(NOW, "Pacific/Honolulu")).toBe("2026-03-28");
  });
});

describe("parseDateRange bounds", () => {
  it("ignores years PostgreSQL cannot store", () => {
    const params = new URLSearchParams({
      from: "0000-01-03",
      to: "0001-01-01",
    });
    expect(parseDateRange(params, "UTC", NOW)).toEqual({
      from: "2026-03-23",
      to: "2026-03-29",
    });
  });
});
