// Paths and referrers as they are stored. Browsers may send query strings
// and fragments (search terms, e-mail addresses in links) and Shopify puts
// secret tokens in some paths (checkout thank-you pages, account
// activation), none of which belongs in analytics.

/** A path segment this long with a digit in it is an id or a token. */
const TOKEN_SEGMENT = /^(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}$/;

/** Drops the query string and fragment and masks token segments. */
export function storablePath(path: string): string {
  const bare = path.split(/[?#]/, 1)[0] || "/";
  return bare
    .split("/")
    .map((segment) => (TOKEN_SEGMENT.test(segment) ? ":token" : segment))
    .join("/");
}

/** Keeps a referrer's origin and storable path, or "" when it is no URL. */
export function storableReferrer(referrer: string): string {
  if (!referrer) return "";
  try {
    const url = new URL(referrer);
    if (url.protocol !== "http:" && url.protocol !== "https:") return "";
    return url.origin + storablePath(url.pathname);
  } catch {
    return "";
  }
}
