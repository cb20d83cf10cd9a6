import { setTimeout as sleep } from "node:timers/promises";
import { logger } from "~/logger.server";
import { unauthenticated } from "~/shopify.server";
import { ORDERS_QUERY, type OrdersPage } from "./graphql-order";

// Pages of the Admin GraphQL `orders` query, waiting out rate limits.
//
// Shopify meters GraphQL by query cost: a bucket of points refills at
// `restoreRate` points per second. A query that costs more than is left
// fails with HTTP 200 and an error whose `extensions.code` is THROTTLED,
// alongside `extensions.cost` with the numbers needed to wait just enough.

/** Consecutive THROTTLED responses allowed for one page before failing. */
export const MAX_THROTTLED_ATTEMPTS = 10;
const MIN_THROTTLE_WAIT_MS = 100;
const MAX_THROTTLE_WAIT_MS = 60_000;
// Used when a throttled response carries no cost numbers.
const DEFAULT_THROTTLE_WAIT_MS = 2_000;

export interface OrdersPageRequest {
  first: number;
  after: string | null;
  /** Shopify search syntax, e.g. `processed_at:>='2026-10-05T00:00:00Z'`. */
  query: string;
}

interface ThrottleCost {
  requestedQueryCost?: number;
  throttleStatus?: { currentlyAvailable?: number; restoreRate?: number };
}

/**
 * Returns how long to wait before retrying, or null when `error` is not a
 * rate limit. The shape is read rather than the error class tested, since
 * the API library ships CommonJS and ESM builds with distinct classes.
 */
export function throttleWaitMs(error: unknown): number | null {
  const failure = error as {
    body?: {
      errors?: { graphQLErrors?: { extensions?: { code?: string } }[] };
      extensions?: { cost?: ThrottleCost };
    };
    response?: { code?: number; retryAfter?: number };
  };
  if (failure?.response?.code === 429) {
    const seconds = failure.response.retryAfter;
    return seconds ? seconds * 1000 : DEFAULT_THROTTLE_WAIT_MS;
  }
  const codes = failure?.body?.errors?.graphQLErrors?.map(
    (graphqlError) => graphqlError.extensions?.code,
  );
  if (!codes?.includes("THROTTLED")) return null;

  const cost = failure.body?.extensions?.cost;
  const requested = cost?.requestedQueryCost;
  const available = cost?.throttleStatus?.currentlyAvailable;
  const restoreRate = cost?.throttleStatus?.restoreRate;
  if (requested === undefined || available === undefined || !restoreRate) {
    return DEFAULT_THROTTLE_WAIT_MS;
  }
  const waitMs = ((requested - available) / restoreRate) * 1000;
  return Math.min(
    MAX_THROTTLE_WAIT_MS,
    Math.max(MIN_THROTTLE_WAIT_MS, Math.ceil(waitMs)),
  );
}

export type OrdersPageFetcher = (
  request: OrdersPageRequest,
) => Promise<OrdersPage>;

/**
 * Returns a fetcher of `orders` pages for a shop, through its stored offline
 * session. Throws when the shop has no session (the app is not installed).
 */
export async function ordersPageFetcher(
  domain: string,
): Promise<OrdersPageFetcher> {
  const { admin } = await unauthenticated.admin(domain);

  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await admin.graphql(ORDERS_QUERY, {
          variables: { ...request },
        });
        const body = (await response.json()) as {
          data?: { orders?: OrdersPage };
        };
        if (!body.data?.orders) {
          throw new Error(
            `Admin API response to the orders query of ${domain} has no data.orders`,
          );
        }
        return body.data.orders;
      } catch (error) {
        const waitMs = throttleWaitMs(error);
        if (waitMs === null) throw error;
        if (attempt >= MAX_THROTTLED_ATTEMPTS) {
          throw new Error(
            `Admin API kept throttling the orders query of ${domain} after ${attempt} attempts`,
            { cause: error },
          );
        }
        logger.info(
          { shop: domain, attempt, waitMs },
          "orders query throttled, waiting",
        );
        await sleep(waitMs);
      }
    }
  };
}
