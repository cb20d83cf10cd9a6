// Load generator of `npm run bench:ingest`, run as a child process so that
// the client's CPU time is not counted against the app server's. Posts
// demo-shaped batches to the collect endpoint with a fixed number of
// requests in flight, retries 429 and 503 with the same batch id after
// Retry-After, and reports latencies and counts to the parent over IPC.
import http from "node:http";
import { demoUserAgent, generateDemoTraffic } from "./lib/demo-traffic";
import type { BatchPayload } from "../app/ingest/payload-types";

export interface WorkerOptions {
  ingestUrl: string;
  origin: string;
  shop: string;
  durationMs: number;
  concurrency: number;
  seed: number;
  /**
   * Batches sent per second on a fixed schedule, whatever the responses,
   * as browsers send them. Without it the worker keeps `concurrency`
   * requests in flight.
   */
  batchesPerSecond?: number;
}

export interface WorkerReport {
  type: "report";
  /** Batches answered 200 and not marked as duplicates. */
  acceptedBatches: number;
  acceptedEvents: number;
  duplicateBatches: number;
  /** Responses 429 or 503, each followed by a retry of the same batch. */
  retries: number;
  /** Responses with any other status, with the first few bodies. */
  failures: number;
  failureSamples: string[];
  /** Wall time of every accepted batch, including its retries, in ms. */
  latenciesMs: number[];
  elapsedMs: number;
  /** CPU seconds this load generator used. */
  cpuSeconds: number;
}

export interface WorkerProgress {
  type: "progress";
  acceptedEvents: number;
  elapsedMs: number;
}

/** Sessions generated per refill; each session gives several batches. */
const SESSIONS_PER_REFILL = 200;
const MAX_RETRY_WAIT_MS = 5000;

interface Reply {
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * Posts one body on a kept-alive connection. node:http rather than fetch:
 * on two cores the client's own CPU time is taken from the server it
 * measures, and fetch costs several times more per request.
 */
function post(
  url: URL,
  agent: http.Agent,
  body: string,
  headers: Record<string, string>,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: (response.headers["retry-after"] as string) ?? null,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

function retryDelayMs(response: Reply, attempt: number): number {
  const header = Number(response.retryAfter);
  const fromHeader = Number.isFinite(header) && header > 0 ? header * 1000 : 0;
  const backoff = Math.min(50 * 2 ** attempt, MAX_RETRY_WAIT_MS);
  return Math.min(Math.max(fromHeader, backoff), MAX_RETRY_WAIT_MS);
}

async function run(options: WorkerOptions): Promise<WorkerReport> {
  const report: WorkerReport = {
    type: "report",
    acceptedBatches: 0,
    acceptedEvents: 0,
    duplicateBatches: 0,
    retries: 0,
    failures: 0,
    failureSamples: [],
    latenciesMs: [],
    elapsedMs: 0,
    cpuSeconds: 0,
  };
  const queue: BatchPayload[] = [];
  let seed = options.seed;
  const nextBatch = (): BatchPayload => {
    if (queue.length === 0) {
      queue.push(
        ...generateDemoTraffic({
          shop: options.shop,
          sessions: SESSIONS_PER_REFILL,
          seed: seed++,
          now: new Date(),
          days: 1,
          origin: options.origin,
        }),
      );
    }
    return queue.shift()!;
  };

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.durationMs;
  const progress = setInterval(() => {
    const message: WorkerProgress = {
      type: "progress",
      acceptedEvents: report.acceptedEvents,
      elapsedMs: performance.now() - started,
    };
    process.send?.(message);
  }, 1000);

  const url = new URL(options.ingestUrl);
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.batchesPerSecond ? Infinity : options.concurrency,
  });
  const send = async (batch: BatchPayload) => {
    const body = JSON.stringify({
      ...batch,
      sentAt: Math.max(batch.sentAt, Date.now()),
    });
    const headers = {
      "Content-Type": "text/plain",
      Origin: options.origin,
      "User-Agent": demoUserAgent(batch),
    };
    const sentAt = performance.now();
    for (let attempt = 0; ; attempt += 1) {
      const response = await post(url, agent, body, headers);
      const { text } = response;
      if (response.status === 200) {
        report.latenciesMs.push(performance.now() - sentAt);
        if ((JSON.parse(text) as { duplicate: boolean }).duplicate) {
          report.duplicateBatches += 1;
        } else {
          report.acceptedBatches += 1;
          report.acceptedEvents += batch.events.length;
        }
        return;
      }
      if (response.status === 429 || response.status === 503) {
        report.retries += 1;
        await new Promise((resolve) =>
          setTimeout(resolve, retryDelayMs(response, attempt)),
        );
        continue;
      }
      report.failures += 1;
      if (report.failureSamples.length < 5) {
        report.failureSamples.push(`${response.status} ${text.slice(0, 300)}`);
      }
      return;
    }
  };

  const rate = options.batchesPerSecond;
  if (rate) {
    // Sends on a fixed schedule, so a late response never delays the next batch.
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    while (performance.now() < deadline) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent += 1) {
        const request = send(nextBatch()).finally(() =>
          inFlight.delete(request),
        );
        inFlight.add(request);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) await send(nextBatch());
      }),
    );
  }
  clearInterval(progress);
  agent.destroy();
  report.elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  report.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return report;
}

process.once("message", (options: WorkerOptions) => {
  run(options).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
