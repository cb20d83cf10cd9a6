// Shopify sends the same resource id in two forms: REST payloads carry the
// number (`"id": 5678901234567`) and GraphQL carries a global id
// (`gid://shopify/Order/5678901234567`). Rows store the bare number as a
// string so both forms join the same row.

export type ShopifyResource = "Order" | "Refund" | "Customer";

const DIGITS = /^[1-9][0-9]*$/;
const GLOBAL_ID = /^gid:\/\/shopify\/([A-Za-z]+)\/([^/?#]+)$/;

export class InvalidShopifyIdError extends Error {
  constructor(
    readonly resource: ShopifyResource,
    readonly value: unknown,
    reason: string,
  ) {
    super(
      `Invalid ${resource} id ${describe(value)}: ${reason}. Expected a positive integer, its decimal string or gid://shopify/${resource}/<number>.`,
    );
    this.name = "InvalidShopifyIdError";
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint") {
    return String(value);
  }
  if (value === null) return "null";
  return `of type ${typeof value}`;
}

/**
 * Normalises a Shopify id to its decimal string. Throws
 * `InvalidShopifyIdError` for anything else, such as an order name (`#1001`),
 * an empty string, a negative or fractional number, or a global id of
 * another resource.
 */
export function normaliseShopifyId(
  value: unknown,
  resource: ShopifyResource,
): string {
  if (typeof value === "number") {
    // JSON.parse turns ids above 2^53 into a nearby integer, so such a
    // number no longer names the resource it came from.
    if (!Number.isSafeInteger(value)) {
      throw new InvalidShopifyIdError(
        resource,
        value,
        Number.isInteger(value)
          ? "the number is too large to be exact; use the admin_graphql_api_id string"
          : "not a whole number",
      );
    }
    if (value <= 0) {
      throw new InvalidShopifyIdError(resource, value, "not positive");
    }
    return String(value);
  }
  if (typeof value === "bigint") {
    if (value <= 0n) {
      throw new InvalidShopifyIdError(resource, value, "not positive");
    }
    return value.toString();
  }
  if (typeof value !== "string") {
    throw new InvalidShopifyIdError(resource, value, "not a string or number");
  }

  if (DIGITS.test(value)) return value;
  const global = GLOBAL_ID.exec(value);
  if (global) {
    if (global[1] !== resource) {
      throw new InvalidShopifyIdError(
        resource,
        value,
        `its resource type is ${global[1]}`,
      );
    }
    if (DIGITS.test(global[2])) return global[2];
  }
  throw new InvalidShopifyIdError(
    resource,
    value,
    value === "" ? "empty" : "not a Shopify id",
  );
}

/** Like `normaliseShopifyId`, but returns null where it would throw. */
export function parseShopifyId(
  value: unknown,
  resource: ShopifyResource,
): string | null {
  try {
    return normaliseShopifyId(value, resource);
  } catch (error) {
    if (error instanceof InvalidShopifyIdError) return null;
    throw error;
  }
}

export const normaliseOrderId = (value: unknown) =>
  normaliseShopifyId(value, "Order");

export const normaliseRefundId = (value: unknown) =>
  normaliseShopifyId(value, "Refund");

export const normaliseCustomerId = (value: unknown) =>
  normaliseShopifyId(value, "Customer");
