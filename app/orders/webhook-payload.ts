import { InvalidMoneyError } from "./money";
import {
  InvalidShopifyIdError,
  normaliseShopifyId,
  parseShopifyId,
  type ShopifyResource,
} from "./order-id";
import {
  InvalidOrderPayloadError,
  normaliseFinancialStatus,
  sessionIdFromAttributes,
  type OrderInput,
  type RefundInput,
} from "./order-input";
import { fieldPath, refundAmountInShopMoney } from "./refund-amount";
import {
  parseShape,
  restOrderSchema,
  restRefundSchema,
  type RestRefund,
} from "./webhook-schema";

// Conversion of webhook payloads (REST shape, see webhook-schema.ts) to the
// shape shared with the backfill.

/**
 * Collects id and amount errors, so that one message lists every problem
 * of a payload.
 */
class Problems {
  readonly list: string[] = [];

  id(value: unknown, resource: ShopifyResource, field: string): string {
    if (value === undefined || value === null) {
      this.list.push(`${field} is missing`);
      return "";
    }
    try {
      return normaliseShopifyId(value, resource);
    } catch (error) {
      if (!(error instanceof InvalidShopifyIdError)) throw error;
      this.list.push(`${field}: ${error.message}`);
      return "";
    }
  }

  money<T>(compute: () => T): T | null {
    try {
      return compute();
    } catch (error) {
      if (!(error instanceof InvalidMoneyError)) throw error;
      this.list.push(error.message);
      return null;
    }
  }

  throwIfAny(source: string): void {
    if (this.list.length > 0) {
      throw new InvalidOrderPayloadError(source, this.list);
    }
  }
}

// `admin_graphql_api_id` is a string, so unlike `id` it survives
// JSON.parse exactly however large the number grows.
function idField(
  record: { id?: unknown; admin_graphql_api_id?: string | null },
  path: string,
): { value: unknown; field: string } {
  if (record.admin_graphql_api_id) {
    return {
      value: record.admin_graphql_api_id,
      field: fieldPath(path, "admin_graphql_api_id"),
    };
  }
  return { value: record.id, field: fieldPath(path, "id") };
}

function refundInput(
  refund: RestRefund,
  orderId: string,
  shopCurrency: string,
  path: string,
  problems: Problems,
): RefundInput | null {
  const { value, field } = idField(refund, path);
  const id = problems.id(value, "Refund", field);
  const amount = problems.money(() =>
    refundAmountInShopMoney(refund, shopCurrency, path),
  );
  if (!id || !amount) return null;
  return { id, orderId, amount, createdAt: refund.created_at };
}

/**
 * Converts an orders/paid, orders/updated or orders/cancelled payload,
 * refunds included. Throws `InvalidOrderPayloadError` listing every invalid
 * field.
 */
export function orderFromWebhook(payload: unknown, topic: string): OrderInput {
  const source = `${topic} payload`;
  const order = parseShape(restOrderSchema, payload, source);
  const problems = new Problems();

  const { value, field } = idField(order, "");
  const id = problems.id(value, "Order", field);
  const processedAt = order.processed_at ?? order.created_at;
  if (!processedAt) problems.list.push("processed_at is missing");
  const totalPrice = order.total_price_set.shop_money;

  const refunds = (order.refunds ?? []).map((refund, index) => {
    const path = `refunds[${index}]`;
    if (refund.order_id !== undefined && refund.order_id !== null) {
      // The order's own id decides, so an order_id that cannot be read is
      // not compared.
      const refundOrderId = parseShopifyId(refund.order_id, "Order");
      if (id && refundOrderId !== null && refundOrderId !== id) {
        problems.list.push(`${path}.order_id does not match the order's id`);
      }
    }
    return refundInput(refund, id, totalPrice.currency, path, problems);
  });
  problems.throwIfAny(source);

  const attributes = (order.note_attributes ?? []).map((attribute) => ({
    name: attribute.name,
    value: typeof attribute.value === "string" ? attribute.value : null,
  }));
  // A customer id only links visits to a customer, so a malformed one is
  // dropped rather than rejecting the order.
  const customer = order.customer
    ? idField(order.customer, "customer")
    : undefined;
  return {
    id,
    name: order.name ?? null,
    processedAt: processedAt!,
    updatedAt: order.updated_at,
    cancelledAt: order.cancelled_at ?? null,
    test: order.test ?? false,
    financialStatus: normaliseFinancialStatus(order.financial_status),
    totalPrice,
    sessionId: sessionIdFromAttributes(attributes),
    checkoutToken: order.checkout_token ?? null,
    customerId: customer ? parseShopifyId(customer.value, "Customer") : null,
    refunds: refunds.filter((refund) => refund !== null),
  };
}

export interface WebhookRefund {
  refund: RefundInput;
  /** True when a transaction of the refund was made in test mode. */
  testTransactions: boolean;
}

/**
 * Converts a refunds/create payload. `shopCurrency` is the currency of the
 * order, which the payload itself does not state.
 */
export function refundFromWebhook(
  payload: unknown,
  shopCurrency: string,
  topic = "refunds/create",
): WebhookRefund {
  const source = `${topic} payload`;
  const refund = parseShape(restRefundSchema, payload, source);
  const problems = new Problems();
  const orderId = problems.id(refund.order_id, "Order", "order_id");
  const input = refundInput(refund, orderId, shopCurrency, "", problems);
  problems.throwIfAny(source);
  return {
    refund: input!,
    testTransactions: (refund.transactions ?? []).some(
      (transaction) => transaction.test === true,
    ),
  };
}

/** Reads the order id of a refunds/create payload, or null when invalid. */
export function refundOrderId(payload: unknown): string | null {
  const orderId = (payload as { order_id?: unknown } | null)?.order_id;
  return parseShopifyId(orderId, "Order");
}
