import { toSessionOutcomeRows } from "./session-signals";

describe("toSessionOutcomeRows", () => {
  it("attaches signal kinds to their sessions", () => {
    const rows = toSessionOutcomeRows(
      [
        { sessionId: "s1", revenue: 0, converted: false },
        { sessionId: "s2", revenue: 25, converted: true },
      ],
      [
        { kind: "rage-click", sessionId: "s1" },
        { kind: "rage-click", sessionId: "s1" },
        { kind: "dead-click", sessionId: "s1" },
        { kind: "u-turn", sessionId: "s9" },
      ],
    );
    expect(rows).toEqual([
      {
        sessionId: "s1",
        revenue: 0,
        converted: false,
        signals: new Set(["rage-click", "dead-click"]),
      },
      { sessionId: "s2", revenue: 25, converted: true, signals: new Set() },
    ]);
  });
});
