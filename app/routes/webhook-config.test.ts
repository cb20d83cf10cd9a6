import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

describe("shopify.app.toml webhooks", () => {
  const toml = readFileSync(path.join(root, "shopify.app.toml"), "utf8");
  const uris = [...toml.matchAll(/^\s*uri\s*=\s*"([^"]+)"/gm)].map(
    (match) => match[1],
  );

  it("declares the uninstall, order and privacy webhooks", () => {
    expect(uris.sort()).toEqual([
      "/webhooks/app/uninstalled",
      "/webhooks/customers/data_request",
      "/webhooks/customers/redact",
      "/webhooks/orders/cancelled",
      "/webhooks/orders/paid",
      "/webhooks/orders/updated",
      "/webhooks/refunds/create",
      "/webhooks/shop/redact",
    ]);
  });

  it.each(uris)("%s has a route file", (uri) => {
    // Remix flat routes: /webhooks/app/uninstalled -> webhooks.app.uninstalled.tsx
    const file = `${uri.slice(1).replaceAll("/", ".")}.tsx`;
    expect(existsSync(path.join(root, "app", "routes", file))).toBe(true);
  });
});
