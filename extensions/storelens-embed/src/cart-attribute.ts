// Writes the session id into a cart attribute, so the order placed from
// the cart carries the visit it came from.

import { report } from "./log";

/** Cart attribute name. Shopify hides attributes starting with `_`. */
export const CART_ATTRIBUTE = "_storelens_session";
/** localStorage key of the session id last written to the cart. */
export const CART_SESSION_KEY = "storelens:cart-sid";

type KeyValueStore = Pick<Storage, "getItem" | "setItem">;

function readStored(storage: KeyValueStore | undefined): string | null {
  try {
    return storage ? storage.getItem(CART_SESSION_KEY) : null;
  } catch {
    return null;
  }
}

function remember(storage: KeyValueStore | undefined, sessionId: string) {
  try {
    if (storage) storage.setItem(CART_SESSION_KEY, sessionId);
  } catch {
    // Blocked storage: the next page load writes the attribute again.
  }
}

/**
 * Returns a function that posts a session id to `<root>cart/update.js`,
 * once per session id. `root` is `Shopify.routes.root`, which carries the
 * locale prefix (`/fr/`) on translated storefronts. The caller must have
 * analytics consent.
 *
 * The id is remembered after a success and after a 404, which means the
 * storefront has no Ajax Cart API: asking again on every page would only
 * repeat the 404. Other failures are tried again on the next page load,
 * never on this one.
 * NOTE: Shopify starts a new cart after an order, and a second order in
 * the same session carries no attribute, since the id is remembered.
 */
export function createCartAttributeWriter(
  storage: () => KeyValueStore | undefined,
  root: string,
): (sessionId: string) => void {
  let attempted = "";

  return (sessionId) => {
    if (sessionId === attempted) return;
    attempted = sessionId;
    if (readStored(storage()) === sessionId) return;
    fetch(root + "cart/update.js", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ attributes: { [CART_ATTRIBUTE]: sessionId } }),
    }).then((response) => {
      if (response.ok || response.status === 404) {
        remember(storage(), sessionId);
      }
    }, report);
  };
}
