// Bundles the theme app embed's storefront scripts into
// extensions/storelens-embed/assets/: storelens.js (the core every page
// loads), storelens-snapshot.js (loaded only when a snapshot is due) and
// storelens-recorder.js (loaded only for visits recorded for replay).

import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export const EMBED_DIR = fileURLToPath(
  new URL("../extensions/storelens-embed/", import.meta.url),
);
export const ASSETS_DIR = path.join(EMBED_DIR, "assets");
export const CORE_ASSET = path.join(ASSETS_DIR, "storelens.js");
export const SNAPSHOT_ASSET = path.join(ASSETS_DIR, "storelens-snapshot.js");
export const RECORDER_ASSET = path.join(ASSETS_DIR, "storelens-recorder.js");

export interface AssetSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export async function measureAsset(file: string): Promise<AssetSize> {
  const content = await readFile(file);
  return { file, bytes: content.length, gzipBytes: gzipSync(content).length };
}

/** esbuild options shared by every bundle that runs on a storefront. */
export const STOREFRONT_BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  // es2019 rewrites optional chaining and `??` for browsers that predate
  // them.
  target: "es2019",
  logLevel: "warning",
} as const;

/** Entry points of the storefront bundles, by output file name. */
const EMBED_ENTRY_POINTS = {
  storelens: path.join(EMBED_DIR, "src/storelens.ts"),
  "storelens-snapshot": path.join(EMBED_DIR, "src/snapshot.ts"),
  "storelens-recorder": path.join(EMBED_DIR, "src/recorder.ts"),
};

/** Builds every asset and returns their sizes, core first. */
export async function buildEmbed(): Promise<AssetSize[]> {
  await build({
    ...STOREFRONT_BUILD_OPTIONS,
    entryPoints: EMBED_ENTRY_POINTS,
    outdir: ASSETS_DIR,
  });
  return Promise.all([
    measureAsset(CORE_ASSET),
    measureAsset(SNAPSHOT_ASSET),
    measureAsset(RECORDER_ASSET),
  ]);
}

/**
 * Bundles every asset in memory and returns each one's text by the path
 * that `buildEmbed` writes it to. A test that serves these never rewrites
 * the files that a server of another test may be reading at that moment.
 */
export async function bundleEmbed(): Promise<Map<string, string>> {
  const result = await build({
    ...STOREFRONT_BUILD_OPTIONS,
    entryPoints: EMBED_ENTRY_POINTS,
    outdir: ASSETS_DIR,
    write: false,
  });
  return new Map(result.outputFiles.map((file) => [file.path, file.text]));
}

export function describeSize(asset: AssetSize): string {
  const name = path.relative(process.cwd(), asset.file);
  return `${name}: ${asset.bytes} bytes, ${asset.gzipBytes} bytes gzipped`;
}

async function main() {
  const assets = await buildEmbed();
  for (const asset of assets) console.log(describeSize(asset));
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
