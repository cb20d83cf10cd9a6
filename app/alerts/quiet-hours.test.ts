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

// 2026 clock changes: New York springs forward on 8 March at 07:00 UTC
// (02:00 EST to 03:00 EDT) and falls back on 1 November at 06:00 UTC
// (02:00 EDT to 01:00 EST). Berlin springs forward on 29 March and falls
// back on 25 October, both at 01:00 UTC. Tokyo keeps UTC+9 all year.
describe("quietHoursEnd on clock-change days", () => {
  const overnight = { start: 21 * 60, end: 8 * 60 };
  const at = (iso: string) => new Date(iso);

  it.each([
    // Zone, an instant inside the night's quiet hours, and 08:00 local.
    ["America/New_York", "2026-03-08T04:30:00Z", "2026-03-08T12:00:00Z"],
    ["America/New_York", "2026-11-01T03:30:00Z", "2026-11-01T13:00:00Z"],
    ["Europe/Berlin", "2026-03-28T22:00:00Z", "2026-03-29T06:00:00Z"],
    ["Europe/Berlin", "2026-10-24T21:00:00Z", "2026-10-25T07:00:00Z"],
    ["Asia/Tokyo", "2026-03-08T14:00:00Z", "2026-03-08T23:00:00Z"],
  ])("ends at 08:00 on the wall clock in %s (%s)", (zone, now, end) => {
    expect(quietHoursEnd(at(now), zone, overnight)).toEqual(at(end));
  });

  it("ends a skipped end time when the clock jumps", () => {
    // 02:30 never occurs in New York on 8 March 2026: quiet hours end at
    // 03:00 EDT, the first minute after the jump.
    const quiet = { start: 22 * 60, end: 2 * 60 + 30 };
    expect(
      quietHoursEnd(at("2026-03-08T04:00:00Z"), "America/New_York", quiet),
    ).toEqual(at("2026-03-08T07:00:00Z"));
    expect(
      quietHoursEnd(at("2026-03-08T06:59:00Z"), "America/New_York", quiet),
    ).toEqual(at("2026-03-08T07:00:00Z"));
    expect(
      quietHoursEnd(at("2026-03-08T07:00:00Z"), "America/New_York", quiet),
    ).toBeNull();
  });

  it("starts a skipped start time when the clock jumps", () => {
    const quiet = { start: 2 * 60 + 30, end: 6 * 60 };
    // 01:59 EST is before the jump, 03:00 EDT is the first quiet minute.
    expect(
      quietHoursEnd(at("2026-03-08T06:59:00Z"), "America/New_York", quiet),
    ).toBeNull();
    expect(
      quietHoursEnd(at("2026-03-08T07:00:00Z"), "America/New_York", quiet),
    ).toEqual(at("2026-03-08T10:00:00Z"));
  });

  it("ends a repeated end time at its last occurrence", () => {
    // 01:30 occurs at 05:30 UTC (EDT) and 06:30 UTC (EST) on 1 November.
    const quiet = { start: 22 * 60, end: 60 + 30 };
    const zone = "America/New_York";
    expect(quietHoursEnd(at("2026-11-01T03:00:00Z"), zone, quiet)).toEqual(
      at("2026-11-01T06:30:00Z"),
    );
    // 01:45 EDT, between the two occurrences of 01:30.
    expect(quietHoursEnd(at("2026-11-01T05:45:00Z"), zone, quiet)).toEqual(
      at("2026-11-01T06:30:00Z"),
    );
    expect(quietHoursEnd(at("2026-11-01T06:30:00Z"), zone, quiet)).toBeNull();
  });

  it("starts a repeated start time at its first occurrence", () => {
    const quiet = { start: 60 + 30, end: 6 * 60 };
    const zone = "America/New_York";
    expect(quietHoursEnd(at("2026-11-01T05:29:00Z"), zone, quiet)).toBeNull();
    // 01:45 EDT and 01:15 EST are both quiet until 06:00 EST.
    expect(quietHoursEnd(at("2026-11-01T05:45:00Z"), zone, quiet)).toEqual(
      at("2026-11-01T11:00:00Z"),
    );
    expect(quietHoursEnd(at("2026-11-01T06:15:00Z"), zone, quiet)).toEqual(
      at("2026-11-01T11:00:00Z"),
    );
  });

  it("handles the repeated hour in Berlin", () => {
    // 02:30 occurs at 00:30 UTC (CEST) and 01:30 UTC (CET) on 25 October.
    const quiet = { start: 0, end: 2 * 60 + 30 };
    expect(
      quietHoursEnd(at("2026-10-25T00:45:00Z"), "Europe/Berlin", quiet),
    ).toEqual(at("2026-10-25T01:30:00Z"));
  });

  it.each([
    ["America/New_York", "2026-03-07T12:00:00Z"],
    ["America/New_York", "2026-10-31T12:00:00Z"],
    ["Europe/Berlin", "2026-03-28T12:00:00Z"],
    ["Europe/Berlin", "2026-10-24T12:00:00Z"],
    ["Asia/Tokyo", "2026-03-07T12:00:00Z"],
  ])("keeps the wall clock minute by minute in %s from %s", (zone, from) => {
    // Every 5 minutes over two days: an instant is quiet exactly when its
    // local time is in 21:00-08:00, and the end reads 08:00 locally.
    const start = Date.parse(from);
    for (let t = start; t < start + 2 * 86_400_000; t += 5 * 60_000) {
      const minute = localMinute(new Date(t), zone);
      const inside = minute >= 21 * 60 || minute < 8 * 60;
      const end = quietHoursEnd(new Date(t), zone, overnight);
      expect({ t: new Date(t), quiet: end !== null }).toEqual({
        t: new Date(t),
        quiet: inside,
      });
      if (end) {
        expect(localMinute(end, zone)).toBe(8 * 60);
        expect(end.getTime() - t).toBeLessThanOrEqual(12 * 3_600_000);
      }
    }
  });
});
