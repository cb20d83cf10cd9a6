// Bundles the web pixel extension into
// extensions/storelens-pixel/dist/storelens-pixel.js, to check offline that
// it builds and to show its size. Shopify CLI bundles the extension again
// from its sources at deploy, so this file is never uploaded.

import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import {
  STOREFRONT_BUILD_OPTIONS,
  describeSize,
  measureAsset,
  type AssetSize,
} from "./build-embed";

export const PIXEL_DIR = fileURLToPath(
  new URL("../extensions/storelens-pixel/", import.meta.url),
);
export const PIXEL_BUNDLE = path.join(PIXEL_DIR, "dist/storelens-pixel.js");

/** Builds the pixel bundle and returns its size. */
export async function buildPixel(): Promise<AssetSize> {
  // The strict sandbox runs the pixel in a web worker, which has no DOM
  // but the same language level as the storefront's browsers.
  await build({
    ...STOREFRONT_BUILD_OPTIONS,
    entryPoints: [path.join(PIXEL_DIR, "src/index.ts")],
    outfile: PIXEL_BUNDLE,
  });
  return measureAsset(PIXEL_BUNDLE);
}

async function main() {
  console.log(describeSize(await buildPixel()));
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
