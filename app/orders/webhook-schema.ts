import { z } from "zod";
import { InvalidMoneyError, parseMoney } from "./money";
import { InvalidOrderPayloadError } from "./order-input";

// Webhook payloads use the REST Admin API shape of the subscribed API
// version (2025-10 in shopify.app.toml). Only the fields read are declared,
// and others pass unchecked.

const dateTime = z.iso
  .datetime({
    offset: true,
    error: (issue) =>
      issue.input === undefined
        ? "is missing"
        : "must be an ISO 8601 date-time",
  })
  .transform((text) => new Date(text));

function shopMoneyBag(options: { allowNegative?: boolean } = {}) {
  return z
    .object({
      // parseMoney reports a missing amount or currency code itself.
      shop_money: z.object({
        amount: z.unknown().optional(),
        currency_code: z.unknown().optional(),
      }),
    })
    .transform((bag, context) => {
      try {
        const money = parseMoney(
          bag.shop_money.amount,
          bag.shop_money.currency_code,
          "shop_money",
          options,
        );
        return { shop_money: money };
      } catch (error) {
        if (!(error instanceof InvalidMoneyError)) throw error;
        context.addIssue({
          code: "custom",
          message: error.reason,
          path: ["shop_money"],
        });
        return z.NEVER;
      }
    });
}

// Ids are checked by normaliseShopifyId, which names what it expects.
export const restRefundSchema = z.object({
  id: z.unknown().optional(),
  admin_graphql_api_id: z.string().nullish(),
  order_id: z.unknown().optional(),
  created_at: dateTime,
  refund_line_items: z
    .array(
      z.object({
        subtotal_set: shopMoneyBag(),
        total_tax_set: shopMoneyBag().nullish(),
      }),
    )
    .nullish(),
  refund_shipping_lines: z
    .array(
      z.object({
        subtotal_amount_set: shopMoneyBag(),
        tax_amount_set: shopMoneyBag().nullish(),
      }),
    )
    .nullish(),
  order_adjustments: z
    .array(
      z.object({
        kind: z.string().nullish(),
        amount_set: shopMoneyBag({ allowNegative: true }),
        tax_amount_set: shopMoneyBag({ allowNegative: true }).nullish(),
      }),
    )
    .nullish(),
  total_duties_set: shopMoneyBag().nullish(),
  total_additional_fees_set: shopMoneyBag().nullish(),
  // Amounts of transactions other than successful refunds are never read,
  // so they are parsed only once a transaction is known to count.
  transactions: z
    .array(
      z.object({
        kind: z.string().nullish(),
        status: z.string().nullish(),
        amount: z.unknown().optional(),
        currency: z.unknown().optional(),
        test: z.boolean().nullish(),
      }),
    )
    .nullish(),
});

export const restOrderSchema = z.object({
  id: z.unknown().optional(),
  admin_graphql_api_id: z.string().nullish(),
  name: z.string().nullish(),
  created_at: dateTime.nullish(),
  processed_at: dateTime.nullish(),
  updated_at: dateTime,
  cancelled_at: dateTime.nullish(),
  test: z.boolean().nullish(),
  financial_status: z.string().nullish(),
  total_price_set: shopMoneyBag(),
  note_attributes: z
    .array(z.object({ name: z.string(), value: z.unknown().optional() }))
    .nullish(),
  checkout_token: z.string().nullish(),
  customer: z
    .object({
      id: z.unknown().optional(),
      admin_graphql_api_id: z.string().nullish(),
    })
    .nullish(),
  refunds: z.array(restRefundSchema).nullish(),
});

export type RestRefund = z.output<typeof restRefundSchema>;

function formatPath(path: PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === "number") return `[${key}]`;
      return index === 0 ? String(key) : `.${String(key)}`;
    })
    .join("");
}

/**
 * Parses `payload` with `schema`. Throws `InvalidOrderPayloadError` listing
 * each invalid field as its path and problem, e.g. `updated_at is missing`.
 */
export function parseShape<T extends z.ZodType>(
  schema: T,
  payload: unknown,
  source: string,
): z.output<T> {
  const result = schema.safeParse(payload, {
    error: (issue) => (issue.input === undefined ? "is missing" : undefined),
  });
  if (result.success) return result.data;
  throw new InvalidOrderPayloadError(
    source,
    result.error.issues.map((issue) => {
      const path = formatPath(issue.path);
      return path ? `${path} ${issue.message}` : issue.message;
    }),
  );
}
