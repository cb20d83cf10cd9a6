import { z } from "zod";
import { ALERT_KINDS, type DetectedAlertKind } from "./alert-kinds";

/** A shop's alert preferences, with the defaults a new shop starts from. */
export interface AlertPreferences {
  shopEmail: string | null;
  recipients: string[];
  emailEnabled: boolean;
  quietStartMinute: number | null;
  quietEndMinute: number | null;
  dailyEmailCap: number;
  weeklyDigestEnabled: boolean;
  mutedKinds: string[];
  frictionMinSessions: number;
  frictionSpikeRatio: number;
  dropMinPercent: number;
  dropMinSessions: number;
}

export const DEFAULT_PREFERENCES: AlertPreferences = {
  shopEmail: null,
  recipients: [],
  emailEnabled: true,
  quietStartMinute: null,
  quietEndMinute: null,
  dailyEmailCap: 5,
  weeklyDigestEnabled: true,
  mutedKinds: [],
  frictionMinSessions: 5,
  frictionSpikeRatio: 3,
  dropMinPercent: 20,
  dropMinSessions: 200,
};

export const MAX_RECIPIENTS = 10;

/** Addresses that get the shop's alert emails. */
export function emailRecipients(preferences: AlertPreferences): string[] {
  if (preferences.recipients.length > 0) return preferences.recipients;
  return preferences.shopEmail ? [preferences.shopEmail] : [];
}

const TIME_PATTERN = /^([01]?\d|2[0-3]):[0-5]\d$/;

/** A time of day as HH:MM, or empty for none; parsed to minutes or null. */
const optionalTime = z
  .string()
  .trim()
  .refine((value) => value === "" || TIME_PATTERN.test(value), {
    error: "Enter a time as HH:MM, for example 21:00.",
  })
  .transform((value) => {
    if (value === "") return null;
    const [hours, minutes] = value.split(":").map(Number);
    return hours * 60 + minutes;
  });

function wholeNumber(label: string, min: number, max: number) {
  const message = `${label} must be a whole number from ${min} to ${max}.`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, { error: message })
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
}

/**
 * The settings form. Field names match the form's inputs, so each issue's
 * path names the field whose error it is.
 */
export const settingsFormSchema = z
  .object({
    recipients: z
      .string()
      .max(2000, "Enter at most 2,000 characters of addresses.")
      .transform((value) =>
        value
          .split(/[\s,;]+/)
          .map((address) => address.trim().toLowerCase())
          .filter(Boolean),
      )
      .superRefine((addresses, context) => {
        for (const address of addresses) {
          if (!z.email().safeParse(address).success) {
            context.addIssue({
              code: "custom",
              message: `"${address}" is not a valid email address. Use the form name@example.com.`,
            });
            return;
          }
        }
        if (addresses.length > MAX_RECIPIENTS) {
          context.addIssue({
            code: "custom",
            message: `Enter at most ${MAX_RECIPIENTS} addresses.`,
          });
        }
      })
      .transform((addresses) => [...new Set(addresses)]),
    emailEnabled: z.literal("on").optional(),
    quietStart: optionalTime,
    quietEnd: optionalTime,
    dailyEmailCap: wholeNumber("The daily email limit", 1, 50),
    // A checkbox: "on" when ticked and absent when not.
    weeklyDigest: z
      .literal("on", {
        error: "The weekly digest must be on or off. Tick the box or clear it.",
      })
      .optional(),
    frictionMinSessions: wholeNumber("Shoppers affected", 1, 1000),
    frictionSpikeRatio: z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, {
        error: "The spike ratio must be a number from 1.5 to 20.",
      })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1.5, "The spike ratio must be a number from 1.5 to 20.")
          .max(20, "The spike ratio must be a number from 1.5 to 20."),
      ),
    dropMinPercent: wholeNumber("The drop threshold", 5, 90),
    dropMinSessions: wholeNumber("The minimum sessions", 50, 1_000_000),
    enabledKinds: z.array(z.enum(ALERT_KINDS)),
  })
  .superRefine((form, context) => {
    if ((form.quietStart === null) !== (form.quietEnd === null)) {
      context.addIssue({
        code: "custom",
        path: [form.quietStart === null ? "quietStart" : "quietEnd"],
        message: "Enter both the start and the end of quiet hours, or neither.",
      });
    } else if (form.quietStart !== null && form.quietStart === form.quietEnd) {
      context.addIssue({
        code: "custom",
        path: ["quietEnd"],
        message: "Quiet hours must end at another time than they start.",
      });
    }
  });

export type SettingsFieldErrors = Partial<Record<string, string>>;

export type SettingsParseResult =
  | { ok: true; preferences: Omit<AlertPreferences, "shopEmail"> }
  | { ok: false; errors: SettingsFieldErrors };

/** Validates the settings form; returns one message per invalid field. */
export function parseSettingsForm(form: FormData): SettingsParseResult {
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const result = settingsFormSchema.safeParse({
    recipients: field("recipients"),
    emailEnabled: form.get("emailEnabled") ?? undefined,
    quietStart: field("quietStart"),
    quietEnd: field("quietEnd"),
    dailyEmailCap: field("dailyEmailCap"),
    weeklyDigest: form.get("weeklyDigest") ?? undefined,
    frictionMinSessions: field("frictionMinSessions"),
    frictionSpikeRatio: field("frictionSpikeRatio"),
    dropMinPercent: field("dropMinPercent"),
    dropMinSessions: field("dropMinSessions"),
    enabledKinds: form.getAll("enabledKinds"),
  });
  if (!result.success) {
    const errors: SettingsFieldErrors = {};
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? "form");
      errors[name] ??= issue.message;
    }
    return { ok: false, errors };
  }
  const data = result.data;
  const enabled = new Set<DetectedAlertKind>(data.enabledKinds);
  return {
    ok: true,
    preferences: {
      recipients: data.recipients,
      emailEnabled: data.emailEnabled === "on",
      quietStartMinute: data.quietStart,
      quietEndMinute: data.quietEnd,
      dailyEmailCap: data.dailyEmailCap,
      weeklyDigestEnabled: data.weeklyDigest === "on",
      mutedKinds: ALERT_KINDS.filter((kind) => !enabled.has(kind)),
      frictionMinSessions: data.frictionMinSessions,
      frictionSpikeRatio: data.frictionSpikeRatio,
      dropMinPercent: data.dropMinPercent,
      dropMinSessions: data.dropMinSessions,
    },
  };
}

/** Minutes after midnight as HH:MM. */
export function formatMinute(minute: number | null): string {
  if (minute === null) return "";
  const hours = Math.floor(minute / 60);
  return `${String(hours).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}
