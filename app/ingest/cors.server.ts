import { IngestError } from "./errors.server";

/**
 * CORS for the public ingest endpoints. Preflights succeed for any
 * origin because the shop is only known from the body; the POST itself is
 * checked against the shop's storefront origins before anything is written.
 */
export function preflightResponse(request: Request): Response {
  const origin = request.headers.get("origin");
  return new Response(null, {
    status: 204,
    headers: {
      ...(origin ? { "Access-Control-Allow-Origin": origin } : {}),
      "Access-Control-Allow-Methods": "POST, OPTIONS",
      "Access-Control-Allow-Headers": "Content-Type, Content-Encoding",
      "Access-Control-Max-Age": "86400",
      Vary: "Origin",
    },
  });
}

export function corsHeaders(origin: string | null): Record<string, string> {
  return origin
    ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" }
    : { Vary: "Origin" };
}

/**
 * Returns true when a browser at `origin` may post events for the shop. A
 * request without an Origin header comes from a non-browser client; those
 * can forge any header, so the check adds nothing there.
 */
export function isAllowedOrigin(
  origin: string | null,
  shopDomain: string,
  storefrontOrigins: string[],
  source: "embed" | "pixel" = "embed",
): boolean {
  if (origin === null) return true;
  // NOTE: strict web pixels run in a sandboxed frame, so their requests may
  // carry the opaque origin "null" rather than the storefront's. Pixel
  // batches are accepted from it; this is not yet checked on a live store.
  if (source === "pixel" && origin === "null") return true;
  return (
    origin === `https://${shopDomain}` || storefrontOrigins.includes(origin)
  );
}

/** Throws 403 unless a browser at `origin` may post events for the shop. */
export function assertAllowedOrigin(
  origin: string | null,
  shop: { domain: string; storefrontOrigins: string[] },
  source: "embed" | "pixel" = "embed",
): void {
  if (isAllowedOrigin(origin, shop.domain, shop.storefrontOrigins, source)) {
    return;
  }
  throw new IngestError(
    403,
    "origin_not_allowed",
    `origin ${origin} is not a storefront of ${shop.domain}`,
  );
}

/**
 * Loader of the ingest routes: Remix sends OPTIONS (the CORS preflight) to
 * the loader and POST to the action, so anything else gets 405.
 */
export function ingestLoader({ request }: { request: Request }): Response {
  return request.method === "OPTIONS"
    ? preflightResponse(request)
    : methodNotAllowed();
}

export function methodNotAllowed(): Response {
  return Response.json(
    {
      error: {
        code: "method_not_allowed",
        message: "Use POST with a JSON body",
      },
    },
    { status: 405, headers: { Allow: "POST, OPTIONS" } },
  );
}
