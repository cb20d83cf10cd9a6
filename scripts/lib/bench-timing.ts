/** Number of timed runs per query; the median is reported. */
export const RUNS = 5;

export function log(line: string) {
  process.stdout.write(`${line}\n`);
}

export async function timed<T>(
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const result = await work();
  log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Median wall time of `RUNS` runs, after one warm-up run. */
export async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}
