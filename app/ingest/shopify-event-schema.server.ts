import { z } from "zod";
import { storablePath, storableReferrer } from "./paths";
import { MAX_URL_LENGTH, SHOPIFY_EVENT_NAMES } from "./payload-types";

// Validation of the events and landing data the web pixel sends. Ids must be
// Shopify's numeric ids: a GraphQL id or an order name such as #1001 is
// rejected, because it would never join the orders table.

const MAX_AMOUNT = 100_000_000;
const MAX_QUANTITY = 100_000;
const MAX_UTM_LENGTH = 200;

const numericId = (what: string) =>
  z
    .string("must be a string")
    .regex(
      /^[1-9][0-9]{0,19}$/,
      `must be a numeric Shopify ${what} id such as 450789469 (not a GraphQL id or an order name)`,
    );

// Same rules as the storefront script's paths (batch-schema.server.ts),
// declared here too because that module imports this one.
const storedPath = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .startsWith("/", "must be a path starting with /")
  .transform(storablePath);

export const epochMs = z
  .number("must be a number of epoch milliseconds")
  .int("must be whole epoch milliseconds")
  .min(Date.UTC(2020, 0, 1), "is before 2020: the device clock is wrong")
  .max(Date.UTC(2100, 0, 1), "is after 2100: the device clock is wrong");

export const shopifyEventSchema = z
  .object({
    type: z.literal("shopify"),
    id: z
      .string("must be a string")
      .min(1, "must not be empty")
      .max(128, "must be at most 128 characters"),
    name: z.enum(SHOPIFY_EVENT_NAMES, {
      error: "is not a Shopify event Storelens records",
    }),
    at: epochMs,
    path: storedPath,
    productId: numericId("product").optional(),
    variantId: numericId("variant").optional(),
    quantity: z
      .number("must be a whole number")
      .int("must be a whole number")
      .min(0, "must not be negative")
      .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`)
      .optional(),
    amount: z
      .number("must be a number")
      .min(0, "must not be negative: refunds come from Shopify, not the pixel")
      .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)
      .optional(),
    currency: z
      .string("must be a string")
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR")
      .optional(),
    checkoutToken: z
      .string("must be a string")
      .regex(/^[A-Za-z0-9_-]{1,128}$/, "must be a Shopify checkout token")
      .optional(),
    orderId: numericId("order").optional(),
  })
  .superRefine((event, context) => {
    if (event.amount !== undefined && event.currency === undefined) {
      context.addIssue({
        code: "custom",
        path: ["currency"],
        message: "is missing: an amount needs its currency",
      });
    }
    if (event.name === "checkout_completed" && event.orderId === undefined) {
      context.addIssue({
        code: "custom",
        path: ["orderId"],
        message: "is missing: checkout_completed must carry the order id",
      });
    }
  });

const utm = z
  .string("must be a string")
  .max(MAX_UTM_LENGTH, `must be at most ${MAX_UTM_LENGTH} characters`)
  .optional();

export const landingSchema = z.object({
  path: storedPath,
  referrer: z
    .string("must be a string")
    .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
    .transform(storableReferrer),
  utmSource: utm,
  utmMedium: utm,
  utmCampaign: utm,
});

export const clientIdSchema = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters");
