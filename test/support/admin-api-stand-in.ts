import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  abstractFetch,
  setAbstractFetchFunc,
} from "@shopify/shopify-api/runtime";
import type { GraphqlOrderNode } from "../../app/orders/graphql-order";

// A local stand-in for the Admin GraphQL API's `orders` query, so the
// backfill runs through the real API client without reaching Shopify.
//
// `install()` replaces the API library's fetch: requests to
// https://<shop>.myshopify.com/admin/... go to this server on 127.0.0.1,
// and any other URL is rejected. Each shop is identified by its access
// token, as on Shopify, and only that shop's orders are returned.

export interface StandInFailure {
  /** 1-based page of the orders query that fails. */
  page: number;
  /** An HTTP 500, or Shopify's THROTTLED error with HTTP 200. */
  kind: "http500" | "throttled";
  /** How many requests for that page fail. Every one by default. */
  times?: number;
}

export interface StandInRequest {
  shop: string;
  page: number;
  status: "ok" | "http500" | "throttled";
}

interface ShopData {
  domain: string;
  orders: GraphqlOrderNode[];
  /** What the install queries return: the shop and its app installation. */
  profile: ShopProfile;
  /** Id of the app's web pixel once created; Shopify allows one. */
  webPixelId: string | null;
}

export interface ShopProfile {
  name: string;
  email: string;
  ianaTimezone: string;
  currencyCode: string;
  primaryDomain: string;
  domains: string[];
}

/** A mutation the app sent during install, with its variables. */
export interface StandInMutation {
  shop: string;
  operation: string;
  variables: Record<string, unknown>;
}

const ADMIN_GRAPHQL_PATH = /^\/admin\/api\/[0-9a-z-]+\/graphql\.json$/;
const SHOP_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
const SHOP_HEADER = "x-stand-in-shop";
// Shopify's maximum page size for connections.
const MAX_PAGE_SIZE = 250;

export class AdminApiStandIn {
  /** Every orders query received, in order. */
  readonly requests: StandInRequest[] = [];
  private readonly shopsByToken = new Map<string, ShopData>();
  private failures: (StandInFailure & { left: number })[] = [];
  private server: http.Server | null = null;
  private port = 0;

  /** Install mutations received, in order. */
  readonly mutations: StandInMutation[] = [];

  /** Serves `orders` to requests that carry `accessToken`. */
  addShop(
    domain: string,
    accessToken: string,
    orders: GraphqlOrderNode[],
    profile: Partial<ShopProfile> = {},
  ) {
    this.shopsByToken.set(accessToken, {
      domain,
      orders: [...orders],
      profile: {
        name: domain.split(".")[0],
        email: `owner@${domain}`,
        ianaTimezone: "UTC",
        currencyCode: "USD",
        primaryDomain: `https://${domain}`,
        domains: [`https://${domain}`],
        ...profile,
      },
      webPixelId: null,
    });
  }

  failOn(failure: StandInFailure): void {
    this.failures.push({ ...failure, left: failure.times ?? Infinity });
  }

  clearFailures(): void {
    this.failures = [];
  }

  requestsFor(shop: string): StandInRequest[] {
    return this.requests.filter((request) => request.shop === shop);
  }

  async start(): Promise<void> {
    const server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(`stand-in error: ${String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Sends the API library's requests for https://<shop>.myshopify.com/admin/
   * to this server. Returns a function that restores the previous fetch.
   */
  install(): () => void {
    const previous = abstractFetch;
    setAbstractFetchFunc(async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (
        url.protocol !== "https:" ||
        !SHOP_HOST.test(url.hostname) ||
        !url.pathname.startsWith("/admin/")
      ) {
        throw new Error(
          `Admin API stand-in rejected ${url.origin}${url.pathname}: only https://<shop>.myshopify.com/admin/ is served locally`,
        );
      }
      const headers = new Headers(request.headers);
      headers.set(SHOP_HEADER, url.hostname);
      return fetch(`http://127.0.0.1:${this.port}${url.pathname}`, {
        method: request.method,
        headers,
        body: request.method === "GET" ? undefined : await request.text(),
      });
    });
    return () => setAbstractFetchFunc(previous);
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "POST" || !ADMIN_GRAPHQL_PATH.test(request.url!)) {
      return send(404, { errors: "Not Found" });
    }
    const token = request.headers["x-shopify-access-token"];
    const shop =
      typeof token === "string" ? this.shopsByToken.get(token) : undefined;
    if (!shop || shop.domain !== request.headers[SHOP_HEADER]) {
      return send(401, {
        errors:
          "[API] Invalid API key or access token (unrecognized login or wrong password)",
      });
    }

    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      query?: string;
      variables?: { first?: number; after?: string | null; query?: string };
    };
    const install = installOperation(
      shop,
      body.query ?? "",
      (body.variables ?? {}) as Record<string, unknown>,
      this.mutations,
    );
    if (install) return send(200, install);
    if (!body.query?.includes("orders(")) {
      return send(200, graphqlError("Only the orders query is served here"));
    }
    const first = body.variables?.first ?? 0;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      return send(
        200,
        graphqlError(`first must be between 1 and ${MAX_PAGE_SIZE}`),
      );
    }

    let matching: GraphqlOrderNode[];
    try {
      matching = filterOrders(shop.orders, body.variables?.query ?? "");
    } catch (error) {
      return send(200, graphqlError((error as Error).message));
    }
    const after = body.variables?.after ?? null;
    const start = after === null ? 0 : positionAfter(matching, after);
    const page = Math.floor(start / first) + 1;

    const failure = this.failures.find(
      (candidate) => candidate.page === page && candidate.left > 0,
    );
    if (failure) {
      failure.left -= 1;
      this.requests.push({ shop: shop.domain, page, status: failure.kind });
      if (failure.kind === "http500") {
        return send(500, { errors: "Internal Server Error" });
      }
      return send(200, throttled(first));
    }

    const nodes = matching.slice(start, start + first);
    this.requests.push({ shop: shop.domain, page, status: "ok" });
    const last = nodes.at(-1);
    send(200, {
      data: {
        orders: {
          pageInfo: {
            hasNextPage: start + nodes.length < matching.length,
            endCursor: last ? encodeCursor(last) : null,
          },
          nodes,
        },
      },
      extensions: { cost: queryCost(first, 1900) },
    });
  }
}

/** Starts a stand-in on a free port of 127.0.0.1. */
/**
 * Returns responses to the operations the app sends when a shop installs it, named after
 * the operation names in app/install.server.ts. Returns null for others.
 */
function installOperation(
  shop: ShopData,
  query: string,
  variables: Record<string, unknown>,
  mutations: StandInMutation[],
) {
  const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "";
  const record = () =>
    mutations.push({ shop: shop.domain, operation, variables });
  switch (operation) {
    case "StorelensShop":
      return {
        data: {
          shop: {
            name: shop.profile.name,
            email: shop.profile.email,
            ianaTimezone: shop.profile.ianaTimezone,
            currencyCode: shop.profile.currencyCode,
            primaryDomain: { url: shop.profile.primaryDomain },
            domains: shop.profile.domains.map((url) => ({ url })),
          },
          currentAppInstallation: {
            id: "gid://shopify/AppInstallation/1",
          },
        },
      };
    case "StorelensIngestUrl":
      record();
      return { data: { metafieldsSet: { userErrors: [] } } };
    case "StorelensPixelCreate":
      record();
      if (shop.webPixelId) {
        return {
          data: {
            webPixelCreate: {
              userErrors: [
                { code: "TAKEN", field: ["webPixel"], message: "Taken" },
              ],
              webPixel: null,
            },
          },
        };
      }
      shop.webPixelId = "gid://shopify/WebPixel/1";
      return {
        data: {
          webPixelCreate: { userErrors: [], webPixel: { id: shop.webPixelId } },
        },
      };
    case "StorelensPixel":
      return { data: { webPixel: { id: shop.webPixelId } } };
    case "StorelensPixelUpdate":
      record();
      return { data: { webPixelUpdate: { userErrors: [] } } };
    default:
      return null;
  }
}

export async function startAdminApiStandIn(): Promise<AdminApiStandIn> {
  const standIn = new AdminApiStandIn();
  await standIn.start();
  return standIn;
}

function graphqlError(message: string) {
  return { errors: [{ message, extensions: { code: "BAD_REQUEST" } }] };
}

function queryCost(first: number, currentlyAvailable: number) {
  return {
    requestedQueryCost: 2 + first * 2,
    actualQueryCost: null,
    throttleStatus: {
      maximumAvailable: 2000,
      currentlyAvailable,
      restoreRate: 100,
    },
  };
}

// The response Shopify sends when the cost bucket is short: HTTP 200, no
// data, and the cost numbers from which the wait is computed.
function throttled(first: number) {
  const cost = queryCost(first, 0);
  cost.throttleStatus.currentlyAvailable = cost.requestedQueryCost - 10;
  return {
    errors: [
      {
        message: "Throttled",
        extensions: {
          code: "THROTTLED",
          documentation: "https://shopify.dev/api/usage/rate-limits",
        },
      },
    ],
    extensions: { cost },
  };
}

function sortKey(order: GraphqlOrderNode): [number, bigint] {
  const id = BigInt(order.id.slice(order.id.lastIndexOf("/") + 1));
  return [Date.parse(order.processedAt), id];
}

function compareKeys(a: [number, bigint], b: [number, bigint]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] === b[1]) return 0;
  return a[1] < b[1] ? -1 : 1;
}

// Cursors name the last order returned, as Shopify's do, so an order added
// earlier in the sort order does not shift later pages.
function encodeCursor(order: GraphqlOrderNode): string {
  const [processedAt, id] = sortKey(order);
  return Buffer.from(JSON.stringify([processedAt, String(id)])).toString(
    "base64url",
  );
}

function positionAfter(orders: GraphqlOrderNode[], cursor: string): number {
  const [processedAt, id] = JSON.parse(
    Buffer.from(cursor, "base64url").toString("utf8"),
  ) as [number, string];
  const key: [number, bigint] = [processedAt, BigInt(id)];
  const index = orders.findIndex(
    (order) => compareKeys(sortKey(order), key) > 0,
  );
  return index === -1 ? orders.length : index;
}

/**
 * Applies a search query of `processed_at:>=<date>` clauses, quoted or not,
 * and sorts by processing time like `sortKey: PROCESSED_AT`. Other syntax
 * is rejected, so a query the stand-in cannot honour fails the test.
 */
function filterOrders(
  orders: GraphqlOrderNode[],
  query: string,
): GraphqlOrderNode[] {
  let since = -Infinity;
  for (const clause of query.split(/\s+/).filter(Boolean)) {
    const match = /^processed_at:>=(?:'([^']+)'|"([^"]+)"|(\S+))$/.exec(clause);
    const value = match && (match[1] ?? match[2] ?? match[3]);
    const time = value ? Date.parse(value) : NaN;
    if (Number.isNaN(time)) {
      throw new Error(`Stand-in cannot apply the search clause ${clause}`);
    }
    since = Math.max(since, time);
  }
  return orders
    .filter((order) => Date.parse(order.processedAt) >= since)
    .sort((a, b) => compareKeys(sortKey(a), sortKey(b)));
}

/**
 * A fixture order in the Admin GraphQL shape: 20.00 EUR, paid, processed
 * `number` minutes after `start`.
 */
export function fixtureOrder(
  number: number,
  start: Date,
  overrides: Partial<GraphqlOrderNode> = {},
): GraphqlOrderNode {
  const processedAt = new Date(start.getTime() + number * 60_000);
  return {
    id: `gid://shopify/Order/${5_000_000_000_000 + number}`,
    name: `#${1000 + number}`,
    processedAt: processedAt.toISOString(),
    updatedAt: processedAt.toISOString(),
    cancelledAt: null,
    test: false,
    displayFinancialStatus: "PAID",
    totalPriceSet: { shopMoney: { amount: "20.00", currencyCode: "EUR" } },
    customAttributes: [],
    refunds: [],
    ...overrides,
  };
}
