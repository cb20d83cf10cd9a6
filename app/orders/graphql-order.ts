import { InvalidMoneyError, parseMoney, type Money } from "./money";
import { InvalidShopifyIdError, normaliseShopifyId } from "./order-id";
import {
  InvalidOrderPayloadError,
  normaliseFinancialStatus,
  sessionIdFromAttributes,
  type OrderInput,
} from "./order-input";

// Admin GraphQL shape of the orders the backfill reads, and its conversion
// to the shape webhook payloads are converted to.
//
// NOTE: `checkoutToken` exists on Order only from API version 2026-07, and
// the app uses 2025-10. Imported orders therefore have no checkout token,
// but the write keeps one that a webhook stored. `customer` is not queried
// because reading it needs protected customer data approval, and a field
// the app may not read fails the whole query.
export const ORDERS_QUERY = `#graphql
  query StorelensOrders($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: PROCESSED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        name
        processedAt
        updatedAt
        cancelledAt
        test
        displayFinancialStatus
        totalPriceSet { shopMoney { amount currencyCode } }
        customAttributes { key value }
        refunds {
          id
          createdAt
          totalRefundedSet { shopMoney { amount currencyCode } }
        }
      }
    }
  }`;

export interface GraphqlMoneyBag {
  shopMoney: { amount: string; currencyCode: string };
}

export interface GraphqlOrderNode {
  id: string;
  name: string | null;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  test: boolean;
  displayFinancialStatus: string | null;
  totalPriceSet: GraphqlMoneyBag;
  customAttributes: { key: string; value: string | null }[];
  refunds: {
    id: string;
    createdAt: string;
    totalRefundedSet: GraphqlMoneyBag;
  }[];
}

export interface OrdersPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: GraphqlOrderNode[];
}

function date(value: unknown, field: string, problems: string[]): Date {
  const parsed = typeof value === "string" ? new Date(value) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    problems.push(`${field} must be an ISO 8601 date-time`);
    return new Date(0);
  }
  return parsed;
}

function money(
  bag: GraphqlMoneyBag | null | undefined,
  field: string,
  problems: string[],
): Money | null {
  try {
    return parseMoney(
      bag?.shopMoney?.amount,
      bag?.shopMoney?.currencyCode,
      `${field}.shopMoney`,
    );
  } catch (error) {
    if (!(error instanceof InvalidMoneyError)) throw error;
    problems.push(error.message);
    return null;
  }
}

function id(
  value: unknown,
  resource: "Order" | "Refund",
  field: string,
  problems: string[],
): string {
  try {
    return normaliseShopifyId(value, resource);
  } catch (error) {
    if (!(error instanceof InvalidShopifyIdError)) throw error;
    problems.push(`${field}: ${error.message}`);
    return "";
  }
}

/**
 * Converts one node of the `orders` query. Throws
 * `InvalidOrderPayloadError` listing every invalid field.
 */
export function orderFromGraphql(node: GraphqlOrderNode): OrderInput {
  const problems: string[] = [];
  const orderId = id(node.id, "Order", "id", problems);
  const totalPrice = money(node.totalPriceSet, "totalPriceSet", problems);
  const refunds = (node.refunds ?? []).map((refund, index) => {
    const field = `refunds[${index}]`;
    const amount = money(
      refund.totalRefundedSet,
      `${field}.totalRefundedSet`,
      problems,
    );
    if (amount && totalPrice && amount.currency !== totalPrice.currency) {
      problems.push(
        `${field}.totalRefundedSet.shopMoney is in ${amount.currency}, but the order is in ${totalPrice.currency}`,
      );
    }
    return {
      id: id(refund.id, "Refund", `${field}.id`, problems),
      orderId,
      amount: amount!,
      createdAt: date(refund.createdAt, `${field}.createdAt`, problems),
    };
  });
  const processedAt = date(node.processedAt, "processedAt", problems);
  const updatedAt = date(node.updatedAt, "updatedAt", problems);
  const cancelledAt = node.cancelledAt
    ? date(node.cancelledAt, "cancelledAt", problems)
    : null;
  if (problems.length > 0) {
    throw new InvalidOrderPayloadError(
      `Admin API order ${JSON.stringify(node.id)}`,
      problems,
    );
  }

  const attributes = (node.customAttributes ?? []).map((attribute) => ({
    name: attribute.key,
    value: attribute.value,
  }));
  return {
    id: orderId,
    name: node.name ?? null,
    processedAt,
    updatedAt,
    cancelledAt,
    test: node.test === true,
    financialStatus: normaliseFinancialStatus(node.displayFinancialStatus),
    totalPrice: totalPrice!,
    sessionId: sessionIdFromAttributes(attributes),
    checkoutToken: null,
    customerId: null,
    refunds,
  };
}
