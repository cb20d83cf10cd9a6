import { z } from "zod";
import {
  EXPERIMENT_KEY_PATTERN,
  MAX_EXPERIMENT_KEY_LENGTH,
} from "~/ingest/payload-types";

export const HYPOTHESIS_STATES = [
  "idea",
  "running",
  "won",
  "lost",
  "inconclusive",
] as const;
export type HypothesisState = (typeof HYPOTHESIS_STATES)[number];

export const FINISHED_STATES: readonly HypothesisState[] = [
  "won",
  "lost",
  "inconclusive",
];

const MAX_TEXT = 2000;
const MAX_PAGES = 20;
const MAX_ARMS = 6;

const text = (what: string) =>
  z
    .string(`${what} is missing`)
    .trim()
    .min(1, `${what} must not be empty`)
    .max(MAX_TEXT, `${what} must be at most ${MAX_TEXT} characters`);

const key = z
  .string()
  .max(MAX_EXPERIMENT_KEY_LENGTH)
  .regex(EXPERIMENT_KEY_PATTERN);

export interface Arm {
  key: string;
  weight: number;
}

/** A weight as written in the form: digits with an optional decimal part. */
const WEIGHT_PATTERN = /^\d+(\.\d+)?$/;
// A floor keeps every weight ratio within 10^4, because a ratio near the
// limits of a double (1e-319 against 100) plans NaN or infinite sessions.
const MIN_WEIGHT = 0.01;
const MAX_WEIGHT = 100;

/**
 * Parses arms written as `control:50, b:50`, the control first. Weights
 * are shares of traffic in any unit, each from 0.01 to 100, so
 * `control:1, b:3` and `control:25, b:75` plan the same split. Returns the
 * first problem as a message that names the arm.
 */
export function parseArms(value: string): Arm[] | string {
  const parts = value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length < 2 || parts.length > MAX_ARMS) {
    return `Variants must list 2 to ${MAX_ARMS} arms such as "control:50, b:50", got ${parts.length}`;
  }
  const arms: Arm[] = [];
  for (const part of parts) {
    const [rawName, rawWeight, extra] = part.split(":");
    const name = rawName.trim();
    const weightText = rawWeight?.trim() ?? "";
    if (extra !== undefined || !key.safeParse(name).success) {
      return `Variant "${part}" must be a key of letters, digits, _, - and . followed by :weight`;
    }
    if (weightText === "") {
      return `Variant "${name}" has no weight: add its share of traffic, such as ${name}:50`;
    }
    if (!WEIGHT_PATTERN.test(weightText)) {
      return `Variant "${name}" has the invalid weight "${weightText}": use a number from ${MIN_WEIGHT} to ${MAX_WEIGHT}, such as ${name}:50`;
    }
    const weight = Number(weightText);
    if (!(weight >= MIN_WEIGHT && weight <= MAX_WEIGHT)) {
      return `Variant "${name}" has the weight ${weightText}: a weight must be at least ${MIN_WEIGHT} and at most ${MAX_WEIGHT}`;
    }
    if (arms.some((arm) => arm.key === name)) {
      return `Variant "${name}" is listed twice`;
    }
    arms.push({ key: name, weight });
  }
  return arms;
}

export const hypothesisSchema = z.object({
  title: text("Title"),
  change: text("Change"),
  expectedEffect: text("Expected effect"),
  metric: z.enum(["rps", "conversion"], {
    error: "Metric must be rps or conversion",
  }),
  pages: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(/[\s,]+/)
        .map((page) => page.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().startsWith("/", "Pages must be paths such as /cart"))
        .max(MAX_PAGES, `List at most ${MAX_PAGES} pages`),
    ),
  evidenceKind: z.enum(["friction", "heatmap"]).optional(),
  evidenceLabel: z.string().max(500).optional(),
  evidenceUrl: z
    .string()
    .max(MAX_TEXT)
    .startsWith("/app/", "Evidence must link inside the app")
    .optional(),
  revenueAtStake: z.coerce
    .number("Revenue at stake must be a number")
    .min(0, "Revenue at stake must not be negative")
    .max(1e12)
    .default(0),
});

/** Settings of the test of a hypothesis: randomised or before/after. */
export const testSettingsSchema = z
  .object({
    mode: z.enum(["ab", "before_after"], {
      error: "Mode must be ab or before_after",
    }),
    experimentKey: z.string().optional(),
    variants: z.string().optional(),
    changedAt: z.iso
      .date("Change date must be a date such as 2026-11-02")
      .optional(),
    relativeEffect: z.coerce
      .number("Minimum detectable effect must be a number")
      .gt(0, "Minimum detectable effect must be above 0%")
      .max(10, "Minimum detectable effect must be at most 1000%"),
    alpha: z.coerce
      .number()
      .gt(0, "Significance level must be above 0")
      .max(0.2, "Significance level must be at most 0.2"),
    power: z.coerce
      .number()
      .min(0.5, "Power must be at least 0.5")
      .lt(1, "Power must be below 1"),
  })
  .superRefine((settings, context) => {
    if (settings.mode === "before_after") {
      if (!settings.changedAt) {
        context.addIssue({
          code: "custom",
          path: ["changedAt"],
          message: "Change date is missing: a before/after test needs it",
        });
      }
      return;
    }
    if (!key.safeParse(settings.experimentKey ?? "").success) {
      context.addIssue({
        code: "custom",
        path: ["experimentKey"],
        message:
          "Experiment key must be letters, digits, _, - and . such as sticky-cart",
      });
    }
    const arms = parseArms(settings.variants ?? "");
    if (typeof arms === "string") {
      context.addIssue({ code: "custom", path: ["variants"], message: arms });
    }
  });

export const stateSchema = z.object({
  state: z.enum(HYPOTHESIS_STATES, { error: "State is not a known state" }),
  learning: z
    .string()
    .trim()
    .max(MAX_TEXT, `Learning must be at most ${MAX_TEXT} characters`)
    .default(""),
});

/** First message of a failed parse, with the field it belongs to. */
export function firstIssue(error: z.ZodError): {
  field: string;
  message: string;
} {
  const issue = error.issues[0];
  return { field: String(issue.path[0] ?? ""), message: issue.message };
}
