import type { Money } from "./money";

// The one shape in which orders reach the database. Webhook payloads (REST
// field names) and Admin GraphQL nodes are both converted to it first, so
// both sources go through the same write.

/** Cart attribute in which the storefront script stores our visit id. */
export const SESSION_ATTRIBUTE = "_storelens_session";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RefundInput {
  /** Numeric refund id. */
  id: string;
  /** Numeric id of the refunded order. */
  orderId: string;
  /** Money returned, in shop money. */
  amount: Money;
  createdAt: Date;
}

export interface OrderInput {
  /** Numeric order id, never the display name. */
  id: string;
  /** Display name such as `#1001`. */
  name: string | null;
  processedAt: Date;
  /** Shopify's `updated_at`, which orders deliveries. */
  updatedAt: Date;
  cancelledAt: Date | null;
  test: boolean;
  /** Lower-case financial status: paid, refunded, voided, pending, ... */
  financialStatus: string | null;
  /** Order total in shop money, before refunds. */
  totalPrice: Money;
  sessionId: string | null;
  checkoutToken: string | null;
  customerId: string | null;
  refunds: RefundInput[];
}

/**
 * Reads our visit id from an order's cart attributes. Returns null when the
 * attribute is absent or is not a UUID, since shoppers can edit cart
 * attributes.
 */
export function sessionIdFromAttributes(
  attributes: { name: string; value: string | null }[],
): string | null {
  const attribute = attributes.find((item) => item.name === SESSION_ATTRIBUTE);
  const value = attribute?.value?.trim();
  if (!value || !UUID.test(value)) return null;
  return value.toLowerCase();
}

/**
 * Brings REST (`partially_refunded`) and GraphQL (`PARTIALLY_REFUNDED`)
 * financial statuses to one spelling.
 */
export function normaliseFinancialStatus(
  status: string | null | undefined,
): string | null {
  if (!status) return null;
  return status.trim().toLowerCase();
}

export class InvalidOrderPayloadError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is invalid: ${problems.join("; ")}`);
    this.name = "InvalidOrderPayloadError";
  }
}
