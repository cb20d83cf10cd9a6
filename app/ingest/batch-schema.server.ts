import { z } from "zod";
import { storablePath, storableReferrer } from "./paths";
import {
  CLICK_OUTCOME_WINDOW_MS,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERRORS_PER_PAGE,
  MAX_EVENTS_PER_BATCH,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
  PAYLOAD_VERSION,
} from "./payload-types";
import { exposureSchema } from "./exposure-schema.server";
import {
  clientIdSchema,
  landingSchema,
  shopifyEventSchema,
} from "./shopify-event-schema.server";

// Server-side validation of `BatchPayload`. Browsers are not trusted: every
// number is range-checked and every string is bounded.

/** Pages of one batch; a batch normally spans one or two page views. */
export const MAX_PAGES_PER_BATCH = 50;
const MAX_SELECTOR_LENGTH = 512;
const MAX_COORDINATE_PX = 1_000_000;
const MAX_VIEWPORT_PX = 20_000;
// Timestamps outside this window are clock garbage, not events.
const EARLIEST_EPOCH_MS = Date.UTC(2020, 0, 1);
const LATEST_EPOCH_MS = Date.UTC(2100, 0, 1);

export const SHOP_DOMAIN_PATTERN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

// Lower case, as PostgreSQL prints a uuid: ids are compared as text when a
// batch is checked against stored rows.
const id = z.guid("must be a UUID").toLowerCase();
// Range first, so an absurd value is reported as a clock problem.
const epochMs = z
  .number("must be a number of epoch milliseconds")
  .min(EARLIEST_EPOCH_MS, "is before 2020: the device clock is wrong")
  .max(LATEST_EPOCH_MS, "is after 2100: the device clock is wrong")
  .int("must be whole epoch milliseconds");
const coordinate = z
  .number("must be a number of CSS pixels")
  .min(0, "must not be negative")
  .max(MAX_COORDINATE_PX, `must be at most ${MAX_COORDINATE_PX}`);
const viewportSize = z
  .number("must be a whole number of CSS pixels")
  .int("must be a whole number of CSS pixels")
  .min(1, "must be at least 1")
  .max(MAX_VIEWPORT_PX, `must be at most ${MAX_VIEWPORT_PX}`);
const fraction = z
  .number("must be a number between 0 and 1")
  .min(0, "must be between 0 and 1")
  .max(1, "must be between 0 and 1");
const pixels = z
  .number("must be a whole number of CSS pixels")
  .int("must be a whole number of CSS pixels")
  .min(0, "must not be negative")
  .max(MAX_COORDINATE_PX, `must be at most ${MAX_COORDINATE_PX}`);

export const deviceSchema = z.enum(["mobile", "tablet", "desktop"], {
  error: "must be mobile, tablet or desktop",
});

export const pathSchema = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .startsWith("/", "must be a path starting with /")
  .transform(storablePath);

export const referrerSchema = z
  .string("must be a string")
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .transform(storableReferrer);

const pageSchema = z.object({
  id,
  path: pathSchema,
  title: z
    .string("must be a string")
    .max(MAX_TITLE_LENGTH, `must be at most ${MAX_TITLE_LENGTH} characters`),
  referrer: referrerSchema,
  startedAt: epochMs,
  viewportWidth: viewportSize,
  viewportHeight: viewportSize,
  device: deviceSchema,
});

const effectMs = z
  .number("must be milliseconds or null")
  .min(0, "must not be negative")
  .max(CLICK_OUTCOME_WINDOW_MS, `must be at most ${CLICK_OUTCOME_WINDOW_MS}`)
  .nullable();

const clickOutcomeSchema = z.object({
  targetKind: z.enum(
    ["button", "link", "stepper", "carousel", "toggle", "text-field", "other"],
    { error: "is not a known target kind" },
  ),
  opensNewTab: z.boolean("must be true or false"),
  domChangeMs: effectMs,
  scrollMs: effectMs,
  selectionChangeMs: effectMs,
  navigationMs: effectMs,
  visibilityChangeMs: effectMs,
  focusChangeMs: effectMs,
  hidden: z.boolean("must be true or false"),
});

const selector = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(
    MAX_SELECTOR_LENGTH,
    `must be at most ${MAX_SELECTOR_LENGTH} characters`,
  );
const bool = z.boolean("must be true or false");

const clickSchema = z.object({
  type: z.literal("click"),
  page: id,
  at: epochMs,
  x: coordinate,
  y: coordinate,
  viewportWidth: viewportSize,
  viewportHeight: viewportSize,
  selector,
  offsetX: fraction,
  offsetY: fraction,
  fixed: bool,
  touch: bool,
  outcome: clickOutcomeSchema.optional(),
});

const moveSchema = z.object({
  type: z.literal("move"),
  page: id,
  at: epochMs,
  x: coordinate,
  y: coordinate,
  selector,
  offsetX: fraction,
  offsetY: fraction,
  fixed: bool,
});

/** Longest hover kept; a pointer parked longer is someone away from the desk. */
const MAX_HOVER_MS = 10 * 60 * 1000;

const hoverSchema = z.object({
  type: z.literal("hover"),
  page: id,
  at: epochMs,
  durationMs: z
    .number("must be a whole number of milliseconds")
    .int("must be a whole number of milliseconds")
    .min(0, "must not be negative")
    .max(MAX_HOVER_MS, `must be at most ${MAX_HOVER_MS}`),
  selector,
  cta: bool,
});

const fieldSchema = z.object({
  type: z.enum(["focus", "blur", "submit"]),
  page: id,
  at: epochMs,
  field: selector,
  form: z
    .string("must be a string")
    .max(
      MAX_SELECTOR_LENGTH,
      `must be at most ${MAX_SELECTOR_LENGTH} characters`,
    ),
});

const errorSchema = z.object({
  type: z.literal("error"),
  page: id,
  at: epochMs,
  // Longer messages are cut rather than refused: the error still counts.
  message: z
    .string("must be a string")
    .min(1, "must not be empty")
    .transform((message) => message.slice(0, MAX_ERROR_MESSAGE_LENGTH)),
});

const scrollSchema = z.object({
  type: z.literal("scroll"),
  page: id,
  at: epochMs,
  maxDepthPx: pixels,
  documentHeight: pixels,
});

const eventSchema = z.discriminatedUnion(
  "type",
  [
    clickSchema,
    scrollSchema,
    moveSchema,
    hoverSchema,
    fieldSchema,
    errorSchema,
    shopifyEventSchema,
    exposureSchema,
  ],
  {
    error:
      "has an unknown type: expected click, scroll, move, hover, focus, blur, submit, error, shopify or exposure",
  },
);

export const batchSchema = z.object({
  v: z.literal(PAYLOAD_VERSION, `must be ${PAYLOAD_VERSION}`),
  batchId: id,
  shop: z
    .string("must be a string")
    .regex(SHOP_DOMAIN_PATTERN, "must be a *.myshopify.com domain"),
  visitorId: id,
  sessionId: id,
  sentAt: epochMs,
  pages: z
    .array(pageSchema, "must be an array")
    .max(MAX_PAGES_PER_BATCH, `must hold at most ${MAX_PAGES_PER_BATCH} pages`)
    .superRefine((pages, ctx) => {
      const first = new Map<string, number>();
      pages.forEach((page, index) => {
        const earlier = first.get(page.id);
        if (earlier === undefined) {
          first.set(page.id, index);
          return;
        }
        ctx.addIssue({
          code: "custom",
          path: [index, "id"],
          message: `repeats the id of pages.${earlier}: list each page view once`,
        });
      });
    }),
  events: z
    .array(eventSchema, "must be an array")
    .min(1, "must hold at least one event")
    .max(
      MAX_EVENTS_PER_BATCH,
      `must hold at most ${MAX_EVENTS_PER_BATCH} events: split the batch`,
    )
    .superRefine((events, ctx) => {
      const errors = new Map<string, number>();
      events.forEach((event, index) => {
        if (event.type !== "error") return;
        const count = (errors.get(event.page) ?? 0) + 1;
        errors.set(event.page, count);
        if (count === MAX_ERRORS_PER_PAGE + 1) {
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: `is error ${count} of its page view: send at most ${MAX_ERRORS_PER_PAGE} per page view`,
          });
        }
      });
    }),
  source: z
    .enum(["embed", "pixel"], { error: "must be embed or pixel" })
    .default("embed"),
  clientId: clientIdSchema.optional(),
  landing: landingSchema.optional(),
});

export type ValidBatch = z.infer<typeof batchSchema>;
export type ValidPage = ValidBatch["pages"][number];
export type ValidEvent = ValidBatch["events"][number];
