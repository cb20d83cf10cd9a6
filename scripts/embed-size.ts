// Size budget of the storefront core script: it loads on every page of
// the shop, so its gzipped size must stay within CORE_GZIP_BUDGET_BYTES.
// Builds the assets first, so the check never reads a stale file.

import { buildEmbed, describeSize } from "./build-embed";

// 6.875 KiB because the core also records moves, hovers, form fields,
// errors, client-side navigations and the replay hook. It also stores the
// exit batches that do not fit in the keepalive quota. It keeps the
// quota's account that the recorder shares and deletes stored recording
// chunks without consent (about 120 bytes together). Deleting stored
// batches when a page starts without consent takes about 40 bytes. The
// recorder itself loads lazily.
export const CORE_GZIP_BUDGET_BYTES = 6.875 * 1024;

async function main() {
  const [core] = await buildEmbed();
  console.log(describeSize(core));
  if (core.gzipBytes > CORE_GZIP_BUDGET_BYTES) {
    const over = core.gzipBytes - CORE_GZIP_BUDGET_BYTES;
    console.error(
      `Core script is ${core.gzipBytes} bytes gzipped, ${over} bytes over ` +
        `the budget of ${CORE_GZIP_BUDGET_BYTES}. Shrink the code in ` +
        `extensions/storelens-embed/src or move it to the snapshot bundle.`,
    );
    process.exit(1);
  }
  console.log(`Within the budget of ${CORE_GZIP_BUDGET_BYTES} bytes gzipped.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
