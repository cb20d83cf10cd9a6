import { localMinute, wallClockInstant, zoneOffsetMs } from "./wall-clock";

describe("wallClockInstant", () => {
  it("converts an ordinary time", () => {
    expect(
      wallClockInstant("2026-07-01", 9 * 60, "Europe/Berlin", "first"),
    ).toEqual(new Date("2026-07-01T07:00:00Z"));
    expect(
      wallClockInstant("2026-12-07", 9 * 60, "Asia/Tokyo", "last"),
    ).toEqual(new Date("2026-12-07T00:00:00Z"));
  });

  it("picks either occurrence of a repeated time", () => {
    const zone = "America/New_York";
    expect(wallClockInstant("2026-11-01", 90, zone, "first")).toEqual(
      new Date("2026-11-01T05:30:00Z"),
    );
    expect(wallClockInstant("2026-11-01", 90, zone, "last")).toEqual(
      new Date("2026-11-01T06:30:00Z"),
    );
  });

  it("maps a skipped time to the jump", () => {
    for (const repeated of ["first", "last"] as const) {
      expect(
        wallClockInstant("2026-03-08", 150, "America/New_York", repeated),
      ).toEqual(new Date("2026-03-08T07:00:00Z"));
      expect(
        wallClockInstant("2026-03-29", 150, "Europe/Berlin", repeated),
      ).toEqual(new Date("2026-03-29T01:00:00Z"));
    }
  });

  it("handles a zone with a half-hour shift", () => {
    // Lord Howe Island moves its clocks by 30 minutes, from 02:00 to 02:30
    // on 4 October 2026 (UTC+10:30 to UTC+11).
    expect(
      wallClockInstant(
        "2026-10-04",
        2 * 60 + 10,
        "Australia/Lord_Howe",
        "first",
      ),
    ).toEqual(new Date("2026-10-03T15:30:00Z"));
  });

  it("rejects a malformed day", () => {
    expect(() => wallClockInstant("05/12/2026", 0, "UTC", "first")).toThrow(
      'Invalid day "05/12/2026"',
    );
  });
});

describe("zoneOffsetMs and localMinute", () => {
  it("read the offset on both sides of a change", () => {
    const zone = "Europe/Berlin";
    expect(zoneOffsetMs(Date.parse("2026-03-29T00:59:00Z"), zone)).toBe(
      3_600_000,
    );
    expect(zoneOffsetMs(Date.parse("2026-03-29T01:00:00Z"), zone)).toBe(
      7_200_000,
    );
    expect(localMinute(new Date("2026-03-29T01:00:00Z"), zone)).toBe(180);
  });

  it("read minutes west of UTC", () => {
    expect(
      localMinute(new Date("2026-12-02T04:30:00Z"), "America/New_York"),
    ).toBe(23 * 60 + 30);
  });
});
