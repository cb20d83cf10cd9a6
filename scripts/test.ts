// The test command (`npm test`, also run by CI): generates the Prisma client,
// builds the storefront bundles and the Remix app that the end-to-end tests
// serve, runs vitest, and ends with one "N passed, N failed" line.
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { RunnerTask } from "vitest";
import { startVitest } from "vitest/node";

const root = path.resolve(import.meta.dirname, "..");
const started = Date.now();

function step(label: string, command: string, args: string[]) {
  console.log(`\n> ${label}`);
  execFileSync(command, args, {
    cwd: root,
    stdio: "inherit",
    // `prisma generate` reads the schema's datasource URL but never
    // connects; tests start their own database and set the real URL.
    env: {
      ...process.env,
      DATABASE_URL:
        process.env.DATABASE_URL ?? "postgresql://unused@127.0.0.1:1/unused",
    },
  });
}

function count(
  tasks: RunnerTask[],
  totals = { passed: 0, failed: 0, skipped: 0 },
) {
  for (const task of tasks) {
    if (task.type === "suite") {
      count(task.tasks, totals);
      continue;
    }
    const state = task.result?.state;
    if (state === "pass") totals.passed++;
    else if (state === "fail") totals.failed++;
    else totals.skipped++;
  }
  return totals;
}

step("prisma generate", "npx", ["prisma", "generate"]);
step("build storefront script", "npx", ["tsx", "scripts/build-embed.ts"]);
step("build app", "npx", ["remix", "build"]);

const vitest = await startVitest("test", process.argv.slice(2), {
  run: true,
  watch: false,
});
const files = vitest.state.getFiles();
const totals = count(files);
// A file that failed to load has no tests but a failed result.
const brokenFiles = files.filter(
  (file) => file.result?.state === "fail" && file.tasks.length === 0,
).length;
await vitest.close();

const seconds = ((Date.now() - started) / 1000).toFixed(0);
const failed = totals.failed + brokenFiles;
console.log(`\nTest command took ${seconds} s`);
console.log(
  `tests: ${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`,
);
const vitestFailed = Boolean(process.exitCode);
process.exit(failed > 0 || totals.passed === 0 || vitestFailed ? 1 : 0);
