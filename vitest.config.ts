import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { "~": new URL("./app", import.meta.url).pathname },
  },
  test: {
    globals: true,
    include: [
      "app/**/*.test.{ts,tsx}",
      "extensions/**/*.test.ts",
      "scripts/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/database-per-file.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend for PostgreSQL and Chromium.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
