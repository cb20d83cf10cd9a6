import { z } from "zod";
import type { RecordingSettingsValues } from "./recording-settings.server";

/** Longest list of masked selectors a shop may save. */
export const MAX_MASK_SELECTORS_LENGTH = 4000;

const settingsFormSchema = z.object({
  samplePercent: z.coerce
    .number("Sampling rate must be a number")
    .min(0, "Sampling rate must be between 0 and 100 percent")
    .max(100, "Sampling rate must be between 0 and 100 percent"),
  retentionDays: z.coerce
    .number("Retention must be a number of days")
    .int("Retention must be a whole number of days")
    .min(1, "Retention must be between 1 and 365 days")
    .max(365, "Retention must be between 1 and 365 days"),
  frictionCapture: z.enum(["on", "off"]),
  maskSelectors: z
    .string()
    .max(
      MAX_MASK_SELECTORS_LENGTH,
      `Masked selectors must be at most ${MAX_MASK_SELECTORS_LENGTH} characters`,
    )
    .refine((text) => !/[{}<>]/.test(text), {
      message: "Masked selectors must be CSS selectors, without { } < or >",
    }),
});

export type SettingsFormResult =
  | { ok: true; values: RecordingSettingsValues }
  | { ok: false; field: string; message: string };

/** Validates the settings card's form fields. */
export function parseSettingsForm(form: FormData): SettingsFormResult {
  const parsed = settingsFormSchema.safeParse({
    samplePercent: form.get("samplePercent") ?? undefined,
    retentionDays: form.get("retentionDays") ?? undefined,
    frictionCapture: form.get("frictionCapture") ?? "off",
    maskSelectors: form.get("maskSelectors") ?? "",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, field: String(issue.path[0]), message: issue.message };
  }
  const data = parsed.data;
  return {
    ok: true,
    values: {
      sampleRate: data.samplePercent / 100,
      retentionDays: data.retentionDays,
      frictionCapture: data.frictionCapture === "on",
      maskSelectors: data.maskSelectors.replace(/\r\n/g, "\n").trim(),
    },
  };
}
