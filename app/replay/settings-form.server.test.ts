import { parseSettingsForm } from "./settings-form.server";

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

const VALID = {
  samplePercent: "12.5",
  retentionDays: "14",
  frictionCapture: "on",
  maskSelectors: ".loyalty\r\n#gift-note\r\n",
};

describe("parseSettingsForm", () => {
  it("converts a valid form", () => {
    expect(parseSettingsForm(form(VALID))).toEqual({
      ok: true,
      values: {
        sampleRate: 0.125,
        retentionDays: 14,
        frictionCapture: true,
        maskSelectors: ".loyalty\n#gift-note",
      },
    });
  });

  it("reads a missing checkbox as off", () => {
    const { frictionCapture: _, ...fields } = VALID;
    const result = parseSettingsForm(form(fields));
    expect(result.ok && result.values.frictionCapture).toBe(false);
  });

  it.each([
    ["samplePercent", "101", "Sampling rate must be between 0 and 100 percent"],
    ["samplePercent", "abc", "Sampling rate must be a number"],
    ["retentionDays", "0", "Retention must be between 1 and 365 days"],
    ["retentionDays", "2.5", "Retention must be a whole number of days"],
    [
      "maskSelectors",
      "p { color: red }",
      "Masked selectors must be CSS selectors, without { } < or >",
    ],
  ])("rejects %s=%s", (field, value, message) => {
    expect(parseSettingsForm(form({ ...VALID, [field]: value }))).toEqual({
      ok: false,
      field,
      message,
    });
  });
});
