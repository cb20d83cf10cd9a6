/**
 * CORS for the public ingest endpoints. Preflights are answered for any
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
  // NOTE: strict web pixels run in a sandboxed frame whose requests may
  // carry the opaque origin "null" rather than the storefront's; pixel
  // batches are accepted from it. Not yet checked on a live store.
  if (source === "pixel" && origin === "null") return true;
  return (
    origin === `https://${shopDomain}` || storefrontOrigins.includes(origin)
  );
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
