/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // Polaris ships its locale files as JSON, which Node will not import bare
  // from an ESM server build.
  serverDependenciesToBundle: [/^@shopify\/polaris\/locales\//],
  // Every v3 flag but v3_routeConfig, which only the Vite plugin supports:
  // the classic compiler asserts a Vite context when it is set (Remix 2.17).
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
