import { detectFormAbandonment } from "./form-abandonment";
import type { FieldFocusRow } from "./types";

function focus(
  pageViewId: string,
  field: string,
  at: number,
  formSelector = "#contact",
  sessionId = "s1",
): FieldFocusRow {
  return { sessionId, pageViewId, formSelector, field, at };
}

describe("detectFormAbandonment", () => {
  it("returns nothing without focuses", () => {
    expect(detectFormAbandonment([], [])).toEqual({
      formsStarted: 0,
      formsAbandoned: 0,
      fields: [],
      signals: [],
    });
  });

  it("blames the last field of unsubmitted forms", () => {
    const focuses = [
      // p1: name then email, never submitted -> email.
      focus("p1", "name", 100),
      focus("p1", "email", 200),
      // p2: name then email, submitted -> not abandoned.
      focus("p2", "name", 100, "#contact", "s2"),
      focus("p2", "email", 200, "#contact", "s2"),
      // p3: email then phone, never submitted -> phone.
      focus("p3", "email", 100, "#contact", "s3"),
      focus("p3", "phone", 300, "#contact", "s3"),
      // p4: only email -> email.
      focus("p4", "email", 50, "#contact", "s4"),
      // p5: newsletter form, never submitted -> newsletter email.
      focus("p5", "email", 10, "#newsletter", "s4"),
    ];
    const submits = [{ pageViewId: "p2", formSelector: "#contact", at: 900 }];

    const result = detectFormAbandonment(focuses, submits);
    expect(result.signals.map((signal) => signal.pageViewId)).toEqual([
      "p1",
      "p3",
      "p4",
      "p5",
    ]);
    expect(result.signals[0]).toEqual({
      kind: "form-abandonment",
      sessionId: "s1",
      pageViewId: "p1",
      formSelector: "#contact",
      field: "email",
      at: 200,
    });
    const { signals: _signals, ...summary } = result;
    expect(summary).toEqual({
      formsStarted: 5,
      formsAbandoned: 4,
      fields: [
        {
          formSelector: "#contact",
          field: "email",
          abandonments: 2,
          shareOfForm: 2 / 3,
          sessions: 2,
        },
        {
          formSelector: "#contact",
          field: "phone",
          abandonments: 1,
          shareOfForm: 1 / 3,
          sessions: 1,
        },
        {
          formSelector: "#newsletter",
          field: "email",
          abandonments: 1,
          shareOfForm: 1,
          sessions: 1,
        },
      ],
    });
  });

  it("refocus after failed submit is abandoned", () => {
    const focuses = [focus("p1", "email", 100), focus("p1", "zip", 800)];
    const submits = [{ pageViewId: "p1", formSelector: "#contact", at: 500 }];
    const result = detectFormAbandonment(focuses, submits);
    expect(result.formsAbandoned).toBe(1);
    expect(result.fields[0].field).toBe("zip");
  });

  it("keeps forms of one page view apart", () => {
    const focuses = [
      focus("p1", "email", 100, "#newsletter"),
      focus("p1", "name", 200, "#contact"),
    ];
    const submits = [{ pageViewId: "p1", formSelector: "#contact", at: 300 }];
    const result = detectFormAbandonment(focuses, submits);
    expect(result.formsStarted).toBe(2);
    expect(result.formsAbandoned).toBe(1);
    expect(result.fields[0].formSelector).toBe("#newsletter");
  });

  it("reads focuses in any order", () => {
    const focuses = [focus("p1", "email", 200), focus("p1", "name", 100)];
    expect(detectFormAbandonment(focuses, []).fields[0].field).toBe("email");
  });
});
